"""Google's own Python client against the fake Directory.

Signs in as a service account acting for an admin (domain-wide
delegation) with google-auth, builds the Directory client from the
discovery document shipped in the Go module google.golang.org/api (no
network), pages users.list through nextPageToken with a query on one org
unit, and prints what it read as JSON for the Go test to compare with the
fake's own roster.
"""
import argparse
import json
import sys

from google.oauth2 import service_account
from googleapiclient.discovery import build_from_document

SCOPE = "https://www.googleapis.com/auth/admin.directory.user.readonly"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--key", required=True, help="service account key file (token_uri: the fake)")
    p.add_argument("--subject", required=True, help="the admin to act as")
    p.add_argument("--discovery", required=True, help="admin/directory/v1/admin-api.json")
    p.add_argument("--root", required=True, help="the fake's base URL, with a trailing slash")
    p.add_argument("--org-unit", required=True)
    p.add_argument("--page-size", type=int, default=100)
    a = p.parse_args()

    with open(a.discovery) as f:
        doc = json.load(f)
    doc["rootUrl"] = a.root
    creds = service_account.Credentials.from_service_account_file(a.key, scopes=[SCOPE]).with_subject(a.subject)
    svc = build_from_document(doc, credentials=creds)

    quoted = a.org_unit.replace("\\", "\\\\").replace("'", "\\'")
    req = svc.users().list(customer="my_customer", query="orgUnitPath='%s'" % quoted,
                           maxResults=a.page_size, projection="basic")
    users, pages = [], 0
    while req is not None:
        resp = req.execute()
        pages += 1
        for u in resp.get("users", []):
            users.append({
                "id": u["id"],
                "primaryEmail": u["primaryEmail"],
                "fullName": u.get("name", {}).get("fullName", ""),
                "orgUnitPath": u.get("orgUnitPath", ""),
                "suspended": u.get("suspended", False),
                "archived": u.get("archived", False),
            })
        req = svc.users().list_next(req, resp)
    json.dump({"pages": pages, "users": users}, sys.stdout)


if __name__ == "__main__":
    main()
