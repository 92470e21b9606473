"""An LTI Advantage tool written against PyJWT (Debian python3-jwt), not
against Rollcall: it checks that the fake platform takes what a client
built on a standard JWT library sends, and sends what it accepts.

  pyjwt_client.py nrps TOKEN_URL CLIENT_ID KEY_PEM KID MEMBERSHIPS_URL
      sign a client assertion, get an access token, page the roster by
      Link rel="next", print {"members": [...], "pages": N} as JSON; then
      send the same assertion again and print whether it was refused.
  pyjwt_client.py verify JWKS_URL ISSUER CLIENT_ID ID_TOKEN
      verify a launch id_token against the platform's JWKS, print its
      claims as JSON.
"""
import json
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import jwt

NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
MEDIA = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


def post_token(token_url, assertion):
    body = urllib.parse.urlencode({
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
        "scope": NRPS_SCOPE,
    }).encode()
    req = urllib.request.Request(token_url, data=body, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, json.load(resp)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


def next_link(header):
    for part in (header or "").split(","):
        m = re.match(r'\s*<([^>]*)>\s*;\s*rel="?next"?', part)
        if m:
            return m.group(1)
    return None


def nrps(token_url, client_id, key_pem, kid, url):
    with open(key_pem) as f:
        key = f.read()
    now = int(time.time())
    assertion = jwt.encode({"iss": client_id, "sub": client_id, "aud": token_url, "iat": now,
                            "exp": now + 300, "jti": str(uuid.uuid4())},
                           key, algorithm="RS256", headers={"kid": kid})
    status, tok = post_token(token_url, assertion)
    if status != 200:
        raise SystemExit("token endpoint: %s %s" % (status, tok))
    members, pages = [], 0
    while url:
        req = urllib.request.Request(url, headers={"Authorization": "Bearer " + tok["access_token"], "Accept": MEDIA})
        with urllib.request.urlopen(req) as resp:
            if resp.headers.get("Content-Type", "").split(";")[0] != MEDIA:
                raise SystemExit("unexpected content type " + resp.headers.get("Content-Type", ""))
            members.extend(json.load(resp)["members"])
            url = next_link(resp.headers.get("Link"))
        pages += 1
    replay_status, replay = post_token(token_url, assertion)
    print(json.dumps({"members": members, "pages": pages, "replay_status": replay_status,
                      "replay_error": replay.get("error")}))


def verify(jwks_url, issuer, client_id, token):
    key = jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=client_id, issuer=issuer,
                        options={"require": ["exp", "iat", "nonce"]})
    print(json.dumps(claims))


if __name__ == "__main__":
    if sys.argv[1] == "nrps":
        nrps(*sys.argv[2:7])
    elif sys.argv[1] == "verify":
        verify(*sys.argv[2:6])
    else:
        raise SystemExit("usage: see the module's doc")
