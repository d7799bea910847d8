"""The web app on AWS: a private S3 bucket behind CloudFront (origin access control), the API on the same origin.

- The bucket is private (all public access blocked, no ACLs, TLS only); only this distribution
  may read it, through origin access control (SigV4; not the legacy origin access identity):
  the bucket policy names the distribution's ARN.
- Default behaviour: the bucket, compressed and cached by what the object says (deploy.sh sets
  a year, immutable, on hashed /assets/* and `no-cache` on index.html and config.json). The
  app's own routes (`/orders/…`: no file extension, not under /assets/) are rewritten to
  /index.html by a CloudFront Function. Not by the distribution's custom error responses: they
  would apply to `/v1/*` too and turn the API's 403s and 404s into a 200 index.html.
- `/v1/*`: the API Gateway stage, every method, never cached, every viewer header but Host
  forwarded (Authorization and Idempotency-Key among them; API Gateway needs its own Host), so
  the app calls the API on its own origin and the API needs no CORS for it.
- TLS: viewers are redirected to HTTPS; with the WebDomainName and WebCertificateArn parameters
  (an ACM certificate in us-east-1) the city's own domain at TLS 1.2+, otherwise the
  `*.cloudfront.net` name and certificate. Security headers (infra/aws/web.py, the ones the local
  server sends too) on every answer.
- Cognito: a hosted sign-in domain per pool and the app clients' hosted-UI settings
  (authorization code; public clients, so PKCE; callback `<web origin>/auth/callback`).
- The uploads bucket admits the browser's presigned POST from the web origin (CORS).
- The web origin reaches Cognito and the uploads bucket through the WebOrigin parameter, not a
  reference to the distribution: the functions name the app clients (token audience), the
  distribution names the API, the API names the functions, so a reference would close a cycle.
  deploy.sh sets WebOrigin to the WebUrl output, deploying a second time when they differ (the
  first deploy, or a new domain): until then hosted sign-in and browser uploads are off.

Caveat: behind this distribution the API's regional WAF sees CloudFront's addresses, not the
viewer's; its per-IP rate limit then counts per edge location (README "Web app").
Cost: CloudFront requests and transfer; S3 storage of a few hundred KB per deploy.
"""

from __future__ import annotations

from typing import Any

from infra.aws import gateway, identity
from infra.aws.web import HSTS_SECONDS, REFERRER_POLICY, content_security_policy

BUCKET = "WebBucket"
BUCKET_POLICY = "WebBucketPolicy"
DISTRIBUTION = "WebDistribution"
ORIGIN_ACCESS = "WebOriginAccessControl"
HEADERS_POLICY = "WebSecurityHeaders"
SPA_FUNCTION = "WebAppRoutes"
UPLOADS_BUCKET = "UploadsBucket"
API_PATH = "/v1/*"
CALLBACK_PATH = "/auth/callback"
DOMAIN_PARAMETER = "WebDomainName"
CERTIFICATE_PARAMETER = "WebCertificateArn"
HAS_DOMAIN = "HasWebDomain"
ORIGIN_PARAMETER = "WebOrigin"
HAS_ORIGIN = "HasWebOrigin"
NO_VALUE = {"Ref": "AWS::NoValue"}
# AWS managed policies (the same ids in every account).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
OAUTH_SCOPES = ["openid", "email", "profile"]

PARAMETERS: dict[str, Any] = {
    DOMAIN_PARAMETER: {
        "Type": "String",
        "Default": "",
        "Description": "The web app's own domain name (e.g. peken.surabaya.go.id); empty: the CloudFront name",
    },
    CERTIFICATE_PARAMETER: {
        "Type": "String",
        "Default": "",
        "Description": "ARN of an ACM certificate in us-east-1 for WebDomainName; empty when WebDomainName is",
    },
}
PARAMETERS[ORIGIN_PARAMETER] = {
    "Type": "String",
    "Default": "",
    "AllowedPattern": "^(https://[a-z0-9.-]+)?$",
    "Description": "The web app's origin (the WebUrl output) for Cognito callbacks and upload CORS; set by deploy.sh",
}
CONDITIONS: dict[str, Any] = {
    name: {"Fn::Not": [{"Fn::Equals": [{"Ref": parameter}, ""]}]}
    for name, parameter in ((HAS_DOMAIN, DOMAIN_PARAMETER), (HAS_ORIGIN, ORIGIN_PARAMETER))
}

# Viewer request on the default behaviour: a path with no file extension outside /assets/ is an
# app route; CloudFront asks the bucket for /index.html instead (the browser keeps its URL).
SPA_CODE = """function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (request.uri.indexOf('/assets/') !== 0 && last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
"""


def web_origin() -> dict[str, Any]:
    """Return the app's origin, `https://<its domain>`, as a template value."""
    return {
        "Fn::If": [
            HAS_DOMAIN,
            {"Fn::Sub": f"https://${{{DOMAIN_PARAMETER}}}"},
            {"Fn::Sub": f"https://${{{DISTRIBUTION}.DomainName}}"},
        ]
    }


def resources(stage: str) -> dict[str, Any]:
    """Return the bucket, its policy, the distribution and its parts, and the Cognito domains."""
    return {
        BUCKET: _bucket(stage),
        BUCKET_POLICY: _bucket_policy(),
        ORIGIN_ACCESS: {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": f"peken-{stage}-web",
                    "Description": "CloudFront reads the web app's bucket",
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        SPA_FUNCTION: {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": f"peken-{stage}-web-routes",
                "AutoPublish": True,
                "FunctionCode": SPA_CODE,
                "FunctionConfig": {"Comment": "App routes get /index.html", "Runtime": "cloudfront-js-2.0"},
            },
        },
        HEADERS_POLICY: _headers_policy(stage),
        DISTRIBUTION: _distribution(stage),
        **_user_pool_domains(stage),
    }


def outputs() -> dict[str, Any]:
    """Return the outputs deploy.sh and config.json read (infra/aws/web.py OUTPUT_KEYS)."""
    return {
        "WebUrl": {"Value": web_origin()},
        "WebBucketName": {"Value": {"Ref": BUCKET}},
        "WebDistributionId": {"Value": {"Ref": DISTRIBUTION}},
        "UserPoolDomainName": {"Value": {"Fn::Sub": "${UserPoolDomain}.auth.${AWS::Region}.amazoncognito.com"}},
        "StaffUserPoolDomainName": {
            "Value": {"Fn::Sub": "${StaffUserPoolDomain}.auth.${AWS::Region}.amazoncognito.com"}
        },
    }


def _when_origin(value: Any) -> dict[str, Any]:
    return {"Fn::If": [HAS_ORIGIN, value, NO_VALUE]}


def hosted_ui_client() -> dict[str, Any]:
    """Return the app-client properties of Cognito's hosted sign-in: code grant (PKCE: no secret), our callback."""
    return {
        "AllowedOAuthFlowsUserPoolClient": {"Fn::If": [HAS_ORIGIN, True, False]},
        "AllowedOAuthFlows": _when_origin(["code"]),
        "AllowedOAuthScopes": _when_origin(OAUTH_SCOPES),
        "SupportedIdentityProviders": ["COGNITO"],
        "CallbackURLs": _when_origin([{"Fn::Sub": f"${{{ORIGIN_PARAMETER}}}{CALLBACK_PATH}"}]),
        "LogoutURLs": _when_origin([{"Fn::Sub": f"${{{ORIGIN_PARAMETER}}}/"}]),
        "GenerateSecret": False,
    }


def uploads_cors() -> dict[str, Any]:
    """Return the uploads bucket's CORS: the browser's presigned POST from the web origin only."""
    rule = {
        "Id": "web-app-uploads",
        "AllowedMethods": ["POST"],
        "AllowedOrigins": [{"Ref": ORIGIN_PARAMETER}],
        "AllowedHeaders": ["*"],
        "MaxAge": 3000,
    }
    return _when_origin({"CorsRules": [rule]})


def apply(merged: dict[str, Any], stage: str) -> None:
    """Add the web app to a merge template (infra/aws/template.py)."""
    found = merged["Resources"]
    found.update(resources(stage))
    merged["Parameters"].update(PARAMETERS)
    merged["Conditions"].update(CONDITIONS)
    merged["Outputs"].update(outputs())
    for client in (identity.PUBLIC_CLIENT, identity.STAFF_CLIENT):
        found[client]["Properties"].update(hosted_ui_client())
    found[UPLOADS_BUCKET]["Properties"]["CorsConfiguration"] = uploads_cors()


def _bucket(stage: str) -> dict[str, Any]:
    return {
        "Type": "AWS::S3::Bucket",
        "Properties": {
            "BucketName": {"Fn::Sub": f"peken-{stage}-web-${{AWS::AccountId}}"},
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}
                ]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            # Versions let a bad deploy be rolled back; old builds' files go after 30 days.
            "VersioningConfiguration": {"Status": "Enabled"},
            "LifecycleConfiguration": {
                "Rules": [
                    {"Id": "old-builds", "Status": "Enabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}
                ]
            },
        },
    }


def _bucket_policy() -> dict[str, Any]:
    objects = {"Fn::Sub": f"${{{BUCKET}.Arn}}/*"}
    distribution_arn = {
        "Fn::Sub": f"arn:${{AWS::Partition}}:cloudfront::${{AWS::AccountId}}:distribution/${{{DISTRIBUTION}}}"
    }
    return {
        "Type": "AWS::S3::BucketPolicy",
        "Properties": {
            "Bucket": {"Ref": BUCKET},
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "CloudFrontReads",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudfront.amazonaws.com"},
                        "Action": "s3:GetObject",
                        "Resource": objects,
                        "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
                    },
                    {
                        "Sid": "TlsOnly",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [{"Fn::GetAtt": [BUCKET, "Arn"]}, objects],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                ],
            },
        },
    }


def _headers_policy(stage: str) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudFront::ResponseHeadersPolicy",
        "Properties": {
            "ResponseHeadersPolicyConfig": {
                "Name": f"peken-{stage}-web-security",
                "Comment": "The web app's security headers (infra/aws/web.py)",
                "SecurityHeadersConfig": {
                    "ContentSecurityPolicy": {"ContentSecurityPolicy": content_security_policy(), "Override": True},
                    "ContentTypeOptions": {"Override": True},
                    "FrameOptions": {"FrameOption": "DENY", "Override": True},
                    "ReferrerPolicy": {"ReferrerPolicy": REFERRER_POLICY, "Override": True},
                    "StrictTransportSecurity": {
                        "AccessControlMaxAgeSec": HSTS_SECONDS,
                        "IncludeSubdomains": True,
                        "Preload": False,
                        "Override": True,
                    },
                },
            }
        },
    }


def _distribution(stage: str) -> dict[str, Any]:
    api_domain = {"Fn::Sub": f"${{{gateway.API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"}
    headers = {"Ref": HEADERS_POLICY}
    return {
        "Type": "AWS::CloudFront::Distribution",
        "Properties": {
            "DistributionConfig": {
                "Comment": f"Peken {stage}: the web app and /v1 on one origin",
                "Enabled": True,
                "HttpVersion": "http2and3",
                "IPV6Enabled": True,
                "PriceClass": "PriceClass_200",  # edges in Asia (Jakarta, Singapore) without the most expensive ones
                "DefaultRootObject": "index.html",
                "Aliases": {"Fn::If": [HAS_DOMAIN, [{"Ref": DOMAIN_PARAMETER}], {"Ref": "AWS::NoValue"}]},
                "ViewerCertificate": {
                    "Fn::If": [
                        HAS_DOMAIN,
                        {
                            "AcmCertificateArn": {"Ref": CERTIFICATE_PARAMETER},
                            "SslSupportMethod": "sni-only",
                            "MinimumProtocolVersion": "TLSv1.2_2021",
                        },
                        {"CloudFrontDefaultCertificate": True},
                    ]
                },
                "Origins": [
                    {
                        "Id": "web",
                        "DomainName": {"Fn::GetAtt": [BUCKET, "RegionalDomainName"]},
                        "OriginAccessControlId": {"Fn::GetAtt": [ORIGIN_ACCESS, "Id"]},
                        "S3OriginConfig": {"OriginAccessIdentity": ""},  # empty: OAC signs instead
                    },
                    {
                        "Id": "api",
                        "DomainName": api_domain,
                        "OriginPath": f"/{gateway.STAGE}",
                        "CustomOriginConfig": {
                            "OriginProtocolPolicy": "https-only",
                            "OriginSSLProtocols": ["TLSv1.2"],
                            "HTTPSPort": 443,
                        },
                    },
                ],
                "DefaultCacheBehavior": {
                    "TargetOriginId": "web",
                    "ViewerProtocolPolicy": "redirect-to-https",
                    "AllowedMethods": ["GET", "HEAD"],
                    "CachedMethods": ["GET", "HEAD"],
                    "Compress": True,
                    "CachePolicyId": CACHING_OPTIMIZED,
                    "ResponseHeadersPolicyId": headers,
                    "FunctionAssociations": [
                        {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": [SPA_FUNCTION, "FunctionARN"]}}
                    ],
                },
                "CacheBehaviors": [
                    {
                        "PathPattern": API_PATH,
                        "TargetOriginId": "api",
                        "ViewerProtocolPolicy": "https-only",
                        "AllowedMethods": ALL_METHODS,
                        "CachedMethods": ["GET", "HEAD"],
                        "Compress": True,
                        "CachePolicyId": CACHING_DISABLED,
                        "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST,
                        "ResponseHeadersPolicyId": headers,
                    }
                ],
            }
        },
    }


def _user_pool_domains(stage: str) -> dict[str, Any]:
    """A hosted sign-in domain per pool: `peken-<stage>[-staff]-<account>` (prefixes are global per region)."""
    return {
        f"{'Staff' if pool == identity.STAFF_POOL else ''}UserPoolDomain": {
            "Type": "AWS::Cognito::UserPoolDomain",
            "Properties": {
                "UserPoolId": {"Ref": pool},
                "Domain": {
                    "Fn::Sub": f"peken-{stage}{'-staff' if pool == identity.STAFF_POOL else ''}-${{AWS::AccountId}}"
                },
            },
        }
        for pool in (identity.PUBLIC_POOL, identity.STAFF_POOL)
    }
