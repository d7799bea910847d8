#!/usr/bin/env bash
# Deploy a packaged stage: upload the bundle, then create or update the CloudFormation stack.
# Needs the AWS CLI, credentials for the target account, and PEKEN_ARTIFACT_BUCKET (an S3
# bucket in the same region for the deployment zip). Run through `make deploy STAGE=...`.
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

aws cloudformation deploy \
  --region "$region" \
  --template-file "${build}/packaged.yaml" \
  --stack-name "peken-${stage}" \
  --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
  --no-fail-on-empty-changeset \
  ${overrides[@]+"${overrides[@]}"}

aws cloudformation describe-stacks --region "$region" --stack-name "peken-${stage}" \
  --query "Stacks[0].Outputs" --output table
