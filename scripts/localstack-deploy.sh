#!/usr/bin/env bash
# Deploys the stack to LocalStack with the LocalStack variant (-c localstack=true).
#
# Needs, outside `npm install`:
#   - Docker, running, with LocalStack started:  docker compose up -d
#   - aws-cdk-local (the `cdklocal` wrapper):     npm i -g aws-cdk-local
# Extra arguments go to `cdklocal deploy`, e.g. -c config='{"producer":{"scheduleEnabled":true}}'
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
  echo "error: $*" >&2
  exit 1
}

command -v docker >/dev/null 2>&1 || die "docker is not installed (LocalStack runs in Docker)."
docker info >/dev/null 2>&1 || die "Docker is not running: start Docker, then 'docker compose up -d'."
command -v cdklocal >/dev/null 2>&1 ||
  die "cdklocal is not installed: run 'npm i -g aws-cdk-local' (it wraps this project's aws-cdk CLI)."

endpoint="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
curl -fsS "${endpoint}/_localstack/health" >/dev/null 2>&1 ||
  die "LocalStack does not answer at ${endpoint}: run 'docker compose up -d' and wait until it is ready."

# LocalStack accepts any credentials; set dummy ones if none are configured.
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_REGION="${AWS_REGION:-$AWS_DEFAULT_REGION}"

npx cdklocal bootstrap && npx cdklocal deploy -c localstack=true --require-approval never "$@"
