// Pages one course's users with @kth/canvas-api, an independent Canvas
// client, following the Link headers it is given, and prints what it got
// as one JSON object: {"pages": n, "users": [{"id", "name", "email"?}]}.
// The email key is left out where Canvas left it out.
//
// Environment: CANVAS_API_URL (e.g. http://127.0.0.1:1234/api/v1),
// CANVAS_TOKEN, COURSE_ID, PER_PAGE.
"use strict";

const { CanvasApi } = require("@kth/canvas-api");

async function main() {
  const { CANVAS_API_URL, CANVAS_TOKEN, COURSE_ID, PER_PAGE } = process.env;
  if (!CANVAS_API_URL || !CANVAS_TOKEN || !COURSE_ID) {
    throw new Error("set CANVAS_API_URL, CANVAS_TOKEN and COURSE_ID");
  }
  // A short interval: the client waits that long after Canvas's
  // 403 "Rate Limit Exceeded" before it tries again.
  const canvas = new CanvasApi(CANVAS_API_URL, CANVAS_TOKEN, { rateLimitIntervalMs: 50 });
  const query = {
    enrollment_type: ["student", "teacher", "ta", "designer"],
    enrollment_state: ["active"],
    include: ["email", "enrollments"],
    per_page: Number(PER_PAGE || 10),
  };
  let pages = 0;
  const users = [];
  for await (const page of canvas.listPages(`courses/${COURSE_ID}/users`, query)) {
    pages++;
    if (!Array.isArray(page.json)) {
      throw new Error(`page ${pages} is not a list`);
    }
    for (const u of page.json) {
      const out = { id: u.id, name: u.name };
      if (Object.prototype.hasOwnProperty.call(u, "email")) {
        out.email = u.email;
      }
      users.push(out);
    }
  }
  process.stdout.write(JSON.stringify({ pages, users }) + "\n");
}

main().catch((err) => {
  process.stderr.write(`list-course-users: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
