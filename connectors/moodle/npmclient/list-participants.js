// Calls Moodle's core_enrol_get_enrolled_users with moodle-client (an
// independent Moodle web-service client), paging with limitfrom and
// limitnumber, over GET or POST, then calls it once with a wrong token, and
// prints one JSON object: {"pages": n, "users": [{"id", "email"?,
// "roles": [shortname...]}], "badToken": <what the client resolved to>}.
// The email key is left out where Moodle left it out.
//
// Environment: MOODLE_URL, MOODLE_TOKEN, COURSE_ID, PAGE_SIZE, METHOD.
"use strict";

const moodle = require("moodle-client");

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function main() {
  const { MOODLE_URL, MOODLE_TOKEN, COURSE_ID, PAGE_SIZE, METHOD } = process.env;
  if (!MOODLE_URL || !MOODLE_TOKEN || !COURSE_ID) {
    throw new Error("set MOODLE_URL, MOODLE_TOKEN and COURSE_ID");
  }
  const size = Number(PAGE_SIZE || 5);
  const client = await moodle.init({ wwwroot: MOODLE_URL, token: MOODLE_TOKEN, logger: quiet });
  let pages = 0;
  const users = [];
  for (let from = 0; ; from += size) {
    const page = await client.call({
      wsfunction: "core_enrol_get_enrolled_users",
      method: METHOD || "GET",
      args: {
        courseid: COURSE_ID,
        options: [
          { name: "onlyactive", value: 1 },
          { name: "limitfrom", value: from },
          { name: "limitnumber", value: size },
        ],
      },
    });
    if (!Array.isArray(page)) {
      throw new Error(`page ${pages + 1} is not a list: ${JSON.stringify(page)}`);
    }
    pages++;
    for (const u of page) {
      const out = { id: u.id, roles: (u.roles || []).map((r) => r.shortname) };
      if (Object.prototype.hasOwnProperty.call(u, "email")) {
        out.email = u.email;
      }
      users.push(out);
    }
    if (page.length < size) {
      break;
    }
  }
  const bad = await moodle.init({ wwwroot: MOODLE_URL, token: "not-a-token", logger: quiet });
  const badToken = await bad.call({ wsfunction: "core_webservice_get_site_info" });
  process.stdout.write(JSON.stringify({ pages, users, badToken }) + "\n");
}

main().catch((err) => {
  process.stderr.write(`list-participants: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
