"""Google's own Python client against the fake Classroom.

Signs in as a service account acting for an admin (domain-wide
delegation) with google-auth, builds the Classroom client from the
discovery document shipped in the Go module google.golang.org/api (no
network), pages courses.list and, for each course, courses.students.list
and courses.teachers.list through nextPageToken, and prints what it read
as JSON for the Go test to compare with the fake's own school.
"""
import argparse
import json
import sys

from google.oauth2 import service_account
from googleapiclient.discovery import build_from_document

SCOPES = [
    "https://www.googleapis.com/auth/classroom.courses.readonly",
    "https://www.googleapis.com/auth/classroom.rosters.readonly",
    "https://www.googleapis.com/auth/classroom.profile.emails",
]


def page_all(collection, first, key):
    """Every item of a listing, and how many pages it took."""
    items, pages, req = [], 0, first
    while req is not None:
        resp = req.execute()
        pages += 1
        items.extend(resp.get(key, []))
        req = collection.list_next(req, resp)
    return items, pages


def member(m):
    p = m.get("profile", {})
    return {"userId": m["userId"], "email": p.get("emailAddress", "")}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--key", required=True)
    p.add_argument("--subject", required=True)
    p.add_argument("--discovery", required=True, help="classroom/v1/classroom-api.json")
    p.add_argument("--root", required=True, help="the fake's base URL, with a trailing slash")
    p.add_argument("--page-size", type=int, default=0)
    a = p.parse_args()

    with open(a.discovery) as f:
        doc = json.load(f)
    doc["rootUrl"] = a.root
    creds = service_account.Credentials.from_service_account_file(a.key, scopes=SCOPES).with_subject(a.subject)
    svc = build_from_document(doc, credentials=creds)

    courses_api = svc.courses()
    courses, pages = page_all(courses_api, courses_api.list(pageSize=a.page_size), "courses")
    out = {"coursePages": pages, "rosterPages": 0, "courses": []}
    for c in courses:
        students_api, teachers_api = courses_api.students(), courses_api.teachers()
        students, sp = page_all(students_api, students_api.list(courseId=c["id"], pageSize=a.page_size), "students")
        teachers, tp = page_all(teachers_api, teachers_api.list(courseId=c["id"], pageSize=a.page_size), "teachers")
        out["rosterPages"] += sp + tp
        out["courses"].append({
            "id": c["id"],
            "name": c.get("name", ""),
            "state": c.get("courseState", ""),
            "students": [member(m) for m in students],
            "teachers": [member(m) for m in teachers],
        })
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
