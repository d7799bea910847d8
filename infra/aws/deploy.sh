#!/usr/bin/env bash
# Deploy a packaged stage: upload the bundle, create or update the CloudFormation stack, then
# publish the web app (web/dist, built by make) to its bucket behind CloudFront.
# Needs the AWS CLI, credentials for the target account, and PEKEN_ARTIFACT_BUCKET (an S3
# bucket in the same region for the deployment zip). Run through `make deploy STAGE=...`.
# PEKEN_STRIPE_PUBLISHABLE_KEY (pk_live_/pk_test_) goes into the app's config.json.
# PEKEN_STACK_PARAMETERS sets template parameters, e.g. "WafEnabled=false
# CreateApiGatewayAccountRole=false"; a parameter not named keeps its value on an update
# (the CLI passes UsePreviousValue) and takes its default on a new stack.
set -euo pipefail
stage="${1:?usage: deploy.sh STAGE}"
if [[ "$stage" == local ]]; then
  echo "deploy.sh: stage local is the local stack's (make run), never deployed" >&2
  exit 2
fi
bucket="${PEKEN_ARTIFACT_BUCKET:?set PEKEN_ARTIFACT_BUCKET to an S3 bucket for deployment artifacts}"
region="${AWS_REGION:-ap-southeast-3}"
build="build/${stage}"
read -r -a parameters <<< "${PEKEN_STACK_PARAMETERS:-}"
overrides=()
if (( ${#parameters[@]} )); then
  overrides=(--parameter-overrides "${parameters[@]}")
fi

aws cloudformation package \
  --region "$region" \
  --template-file "${build}/package/sam.json" \
  --s3-bucket "$bucket" \
  --s3-prefix "peken/${stage}" \
  --output-template-file "${build}/packaged.yaml"

stack="peken-${stage}"
deploy_stack() {
  aws cloudformation deploy \
    --region "$region" \
    --template-file "${build}/packaged.yaml" \
    --stack-name "$stack" \
    --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
    --no-fail-on-empty-changeset \
    "$@"
}
deploy_stack ${overrides[@]+"${overrides[@]}"}

python="${PEKEN_PYTHON:-.venv/bin/python}"
outputs="${build}/outputs.json"
read_outputs() {
  aws cloudformation describe-stacks --region "$region" --stack-name "$stack" \
    --query "Stacks[0].Outputs" --output json > "$outputs"
}
output() {
  "$python" -c 'import json, sys; print(next(o["OutputValue"] for o in json.load(open(sys.argv[1])) if o["OutputKey"] == sys.argv[2]))' "$outputs" "$1"
}
read_outputs

# Cognito's callback URLs and the uploads bucket's CORS name the app's origin through the WebOrigin
# parameter (infra/aws/cdn.py: a reference to the distribution would be a cycle). The first deploy,
# or a new WebDomainName, learns the origin from the WebUrl output and deploys again with it.
web_url="$(output WebUrl)"
origin="$(aws cloudformation describe-stacks --region "$region" --stack-name "$stack" \
  --query "Stacks[0].Parameters[?ParameterKey=='WebOrigin'].ParameterValue" --output text)"
if [[ "$origin" != "$web_url" ]]; then
  echo "deploy.sh: WebOrigin ${origin:-(none)} -> ${web_url}: deploying again for sign-in and uploads"
  deploy_stack --parameter-overrides ${parameters[@]+"${parameters[@]}"} "WebOrigin=${web_url}"
  read_outputs
fi

# The web app: hashed assets first (immutable, kept a while for pages still open on an older
# build), then index.html and the other root files (revalidated), then this stage's config.json.
test -f web/dist/index.html || { echo "deploy.sh: web/dist is not built (make deploy builds it)" >&2; exit 1; }
web_bucket="s3://$(output WebBucketName)"
"$python" -m infra.aws.web config "$stage" "$outputs" > "${build}/config.json"
aws s3 sync web/dist/assets "${web_bucket}/assets" --region "$region" --only-show-errors \
  --cache-control "public, max-age=31536000, immutable"
aws s3 sync web/dist "$web_bucket" --region "$region" --only-show-errors --delete \
  --exclude "assets/*" --exclude "config.json" --cache-control "no-cache"
aws s3 cp "${build}/config.json" "${web_bucket}/config.json" --region "$region" --only-show-errors \
  --cache-control "no-cache" --content-type "application/json"
aws cloudfront create-invalidation --distribution-id "$(output WebDistributionId)" --paths "/*" \
  --query "Invalidation.Id" --output text

aws cloudformation describe-stacks --region "$region" --stack-name "$stack" \
  --query "Stacks[0].Outputs" --output table
echo "deploy.sh: the web app is at ${web_url}"
