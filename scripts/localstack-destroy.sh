#!/usr/bin/env bash
# Removes the LocalStack deployment made by scripts/localstack-deploy.sh.
# With the default config (retainData: true) the lake bucket and its key are kept, as on AWS;
# `docker compose down` (and deleting ./.lakehouse/localstack) removes everything.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cdklocal >/dev/null 2>&1 || {
  echo "error: cdklocal is not installed: run 'npm i -g aws-cdk-local'." >&2
  exit 1
}
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"

npx cdklocal destroy -c localstack=true --force "$@"
