// Pages one section's enrollments of Schoology's REST API v1, signing
// every request with oauth-1.0a (an independent OAuth 1.0a signer) the way
// Schoology's authentication page describes two-legged requests: realm
// "Schoology API", an empty oauth_token, HMAC-SHA1 or PLAINTEXT. It follows
// links.next, reads each enrolled user's record for primary_email, sends
// one request twice to see the replay refused, and prints one JSON object:
// {"pages": n, "enrollments": [{"uid","admin","status"}],
//  "emails": {"<uid>": "<primary_email>"}, "missing": [uid...], "replay": status}.
//
// Environment: SCHOOLOGY_URL (the fake's base URL), CONSUMER_KEY,
// CONSUMER_SECRET, SECTION_ID, LIMIT, METHOD (HMAC-SHA1 or PLAINTEXT).
"use strict";

const crypto = require("crypto");
const OAuth = require("oauth-1.0a");

function signer(method, key, secret) {
  const opts = { consumer: { key, secret }, signature_method: method, realm: "Schoology API" };
  if (method === "HMAC-SHA1") {
    opts.hash_function = (base, k) => crypto.createHmac("sha1", k).update(base).digest("base64");
  }
  // PLAINTEXT: the library's own signature, the encoded secret and "&".
  return OAuth(opts);
}

async function get(oauth, url, replayHeader) {
  const headers = replayHeader || oauth.toHeader(oauth.authorize({ url, method: "GET" }, { key: "", secret: "" }));
  const res = await fetch(url, { headers: { ...headers, Accept: "application/json" } });
  const text = await res.text();
  return { status: res.status, text, headers };
}

async function main() {
  const { SCHOOLOGY_URL, CONSUMER_KEY, CONSUMER_SECRET, SECTION_ID, LIMIT, METHOD } = process.env;
  if (!SCHOOLOGY_URL || !CONSUMER_KEY || !CONSUMER_SECRET || !SECTION_ID) {
    throw new Error("set SCHOOLOGY_URL, CONSUMER_KEY, CONSUMER_SECRET and SECTION_ID");
  }
  const oauth = signer(METHOD || "HMAC-SHA1", CONSUMER_KEY, CONSUMER_SECRET);
  let next = `${SCHOOLOGY_URL}/v1/sections/${SECTION_ID}/enrollments?start=0&limit=${LIMIT || 20}`;
  let pages = 0;
  const enrollments = [];
  while (next) {
    const r = await get(oauth, next);
    if (r.status !== 200) {
      throw new Error(`page ${pages + 1}: ${r.status} ${r.text}`);
    }
    pages++;
    const body = JSON.parse(r.text);
    for (const e of body.enrollment) {
      if ("primary_email" in e || "email" in e) {
        throw new Error(`enrollment ${e.id} carries an email`);
      }
      enrollments.push({ uid: String(e.uid), admin: Number(e.admin), status: Number(e.status) });
    }
    next = body.links && body.links.next;
  }
  const emails = {};
  const missing = [];
  for (const uid of new Set(enrollments.map((e) => e.uid))) {
    const r = await get(oauth, `${SCHOOLOGY_URL}/v1/users/${uid}`);
    if (r.status === 404) {
      missing.push(uid);
      continue;
    }
    if (r.status !== 200) {
      throw new Error(`user ${uid}: ${r.status} ${r.text}`);
    }
    emails[uid] = JSON.parse(r.text).primary_email;
  }
  const first = await get(oauth, `${SCHOOLOGY_URL}/v1/roles`);
  const again = await get(oauth, `${SCHOOLOGY_URL}/v1/roles`, first.headers);
  process.stdout.write(JSON.stringify({ pages, enrollments, emails, missing, replay: again.status, replayText: again.text }) + "\n");
}

main().catch((err) => {
  process.stderr.write(`list-section: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
