// Package static is the connector type "static": people read from a CSV
// or YAML file the operator keeps. It is a real connector — small sites
// with no directory or LMS to sync from use it, exporting their roster
// from a spreadsheet — and it is the source the sync engine's own tests
// drive, because a file is the easiest source to set to any state.
//
// The file is read again on every Fetch, so editing it is how a roster
// changes. CSV files are streamed row by row and emitted a page at a time,
// so a file of a million people never sits in memory; YAML files are
// parsed whole and suit small rosters. Any malformed row fails the whole
// Fetch with an error naming the file, line and field: a half-read file
// must never look like a complete roster.
//
// Settings:
//
//	path: people.csv   # required; relative to the config file's folder
//	format: csv        # csv or yaml; default: from the extension (.csv, .yaml, .yml)
//	page_size: 500     # people per emitted page
//
// A CSV file has a header naming its columns, in any order: email
// (required), name, role, org_unit, external_id. A YAML file is a list of
// mappings with those keys. Org units are paths such as /Students/High.
//
// Selection: a deployment's units select the people whose org_unit equals
// a unit or lies below it ("/Students" selects "/Students/High" but not
// "/StudentsOld"); no units selects everyone. The option
// include_sub_org_units: "false" selects only exact org units. A person's
// role is the file's role column when set (student, teacher, other, or a
// name the deployment's roles map, such as "Staff"), else the role mapped
// to the longest of the deployment's roles keys their org unit lies in,
// else the deployment's default role.
package static
