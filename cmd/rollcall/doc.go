// Command rollcall is the Rollcall binary: it parses flags, opens the
// embedded license store and wires the commands that read and change it.
// Business rules live in the license packages; this package only turns
// arguments into calls and results into tables or JSON.
//
// Exit codes: 0 success, 1 an error (printed on stderr as "rollcall: ..."),
// 2 a usage error (unknown command or flag, missing argument).
package main
