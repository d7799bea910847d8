"""The web app in the template: a private bucket only CloudFront reads (OAC), /v1/* to the API, hosted sign-in."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra.aws import cdn, gateway, identity
from infra.aws.web import OUTPUT_KEYS
from tests.infra.conftest import of_type


def _resources(packaged: dict[str, Any]) -> dict[str, Any]:
    return dict(packaged["cfn"]["Resources"])


def _distribution(packaged: dict[str, Any]) -> dict[str, Any]:
    [distribution] = of_type(packaged["cfn"], "AWS::CloudFront::Distribution").values()
    return dict(distribution["Properties"]["DistributionConfig"])


def test_the_web_bucket_is_private_and_only_the_distribution_reads_it(packaged: dict[str, Any]) -> None:
    bucket = _resources(packaged)[cdn.BUCKET]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"), True
    )
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert "WebsiteConfiguration" not in bucket  # served through CloudFront's S3 origin, not a website endpoint
    policy = _resources(packaged)[cdn.BUCKET_POLICY]["Properties"]
    assert policy["Bucket"] == {"Ref": cdn.BUCKET}
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert len(allows) == 1
    [allow] = allows
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    source = allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(f":distribution/${{{cdn.DISTRIBUTION}}}")  # this distribution, no other
    deny = next(s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_cloudfront_reads_the_bucket_through_origin_access_control(packaged: dict[str, Any]) -> None:
    [oac] = of_type(packaged["cfn"], "AWS::CloudFront::OriginAccessControl").values()
    config = oac["Properties"]["OriginAccessControlConfig"]
    assert (config["OriginAccessControlOriginType"], config["SigningBehavior"], config["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )
    assert of_type(packaged["cfn"], "AWS::CloudFront::CloudFrontOriginAccessIdentity") == {}
    origins = {o["Id"]: o for o in _distribution(packaged)["Origins"]}
    web = origins["web"]
    assert web["DomainName"] == {"Fn::GetAtt": [cdn.BUCKET, "RegionalDomainName"]}
    assert web["OriginAccessControlId"] == {"Fn::GetAtt": [cdn.ORIGIN_ACCESS, "Id"]}
    assert web["S3OriginConfig"] == {"OriginAccessIdentity": ""}


def test_v1_reaches_the_api_uncached_with_every_method_and_its_headers(packaged: dict[str, Any]) -> None:
    config = _distribution(packaged)
    [api_behaviour] = [b for b in config["CacheBehaviors"] if b["PathPattern"] == "/v1/*"]
    origin = next(o for o in config["Origins"] if o["Id"] == api_behaviour["TargetOriginId"])
    assert origin["DomainName"]["Fn::Sub"].startswith(f"${{{gateway.API}}}.execute-api.")
    assert origin["OriginPath"] == f"/{gateway.STAGE}"  # /v1/x reaches the stage's /v1/x
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert set(api_behaviour["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
    assert api_behaviour["CachePolicyId"] == cdn.CACHING_DISABLED
    # Every viewer header but Host: Authorization and Idempotency-Key reach the API.
    assert api_behaviour["OriginRequestPolicyId"] == cdn.ALL_VIEWER_EXCEPT_HOST
    assert api_behaviour["ViewerProtocolPolicy"] == "https-only"


def test_app_routes_get_index_html_but_api_errors_stay_api_errors(packaged: dict[str, Any]) -> None:
    config = _distribution(packaged)
    assert "CustomErrorResponses" not in config  # they would rewrite /v1's 403 and 404 too
    default = config["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == "web" and default["ViewerProtocolPolicy"] == "redirect-to-https"
    [association] = default["FunctionAssociations"]
    assert association["EventType"] == "viewer-request"
    function = _resources(packaged)[cdn.SPA_FUNCTION]["Properties"]
    assert "/index.html" in function["FunctionCode"] and "/assets/" in function["FunctionCode"]
    assert config["DefaultRootObject"] == "index.html"


def test_security_headers_allow_stripe_and_nothing_inline(packaged: dict[str, Any]) -> None:
    [policy] = of_type(packaged["cfn"], "AWS::CloudFront::ResponseHeadersPolicy").values()
    headers = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    csp = dict(
        (d.split()[0], d.split()[1:]) for d in headers["ContentSecurityPolicy"]["ContentSecurityPolicy"].split("; ")
    )
    assert csp["script-src"] == ["'self'", "https://js.stripe.com"]
    assert "https://js.stripe.com" in csp["frame-src"]
    assert csp["frame-ancestors"] == ["'none'"] and csp["object-src"] == ["'none'"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    config = _distribution(packaged)
    behaviours = [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]
    assert all(b["ResponseHeadersPolicyId"] == {"Ref": cdn.HEADERS_POLICY} for b in behaviours)


def test_hosted_sign_in_uses_the_code_grant_and_our_callback(packaged: dict[str, Any]) -> None:
    resources = _resources(packaged)
    for pool, client in ((identity.PUBLIC_POOL, identity.PUBLIC_CLIENT), (identity.STAFF_POOL, identity.STAFF_CLIENT)):
        properties = resources[client]["Properties"]
        assert properties["GenerateSecret"] is False  # a public client: PKCE protects the code
        assert properties["AllowedOAuthFlows"]["Fn::If"][1] == ["code"]
        assert "openid" in properties["AllowedOAuthScopes"]["Fn::If"][1]
        [callback] = properties["CallbackURLs"]["Fn::If"][1]
        assert callback == {"Fn::Sub": "${WebOrigin}/auth/callback"}
        domains = [d for d in of_type(packaged["cfn"], "AWS::Cognito::UserPoolDomain").values()]
        assert {"Ref": pool} in [d["Properties"]["UserPoolId"] for d in domains]
    outputs = packaged["cfn"]["Outputs"]
    for domain, client in OUTPUT_KEYS.values():  # what deploy.sh writes into config.json
        assert domain in outputs and client in outputs
    assert {"WebUrl", "WebBucketName", "WebDistributionId"} <= set(outputs)


def test_the_uploads_bucket_admits_the_browsers_presigned_post_from_the_app_only(packaged: dict[str, Any]) -> None:
    cors = _resources(packaged)["UploadsBucket"]["Properties"]["CorsConfiguration"]["Fn::If"]
    assert cors[0] == cdn.HAS_ORIGIN
    [rule] = cors[1]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedOrigins"] == [{"Ref": cdn.ORIGIN_PARAMETER}]


def test_the_route_function_sends_app_routes_to_index_html_and_files_through(tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    cases = {
        "/": "/index.html",
        "/orders/01H": "/index.html",
        "/admin/compliance": "/index.html",
        "/assets/index-abc.js": "/assets/index-abc.js",
        "/assets/gone": "/assets/gone",  # a missing asset stays missing, never HTML
        "/config.json": "/config.json",
        "/favicon.svg": "/favicon.svg",
    }
    script = tmp_path / "routes.js"
    script.write_text(
        cdn.SPA_CODE
        + f"console.log(JSON.stringify({json.dumps(list(cases))}.map(u => handler({{request: {{uri: u}}}}).uri)));"
    )
    result = subprocess.run(["node", str(script)], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == list(cases.values())
