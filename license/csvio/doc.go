// Package csvio owns the CSV files admins exchange with Rollcall: reading
// an upload of users to add or remove (ReadImport), applying it to a
// license all or nothing (Import), the sample file admins download
// (Sample), and the members export (WriteExport, Export).
//
// An upload is checked whole before anything changes: ReadImport returns
// every bad row at once, and Import writes in one transaction that refuses
// the file when its new members do not all fit.
//
// Exports are safe to open in a spreadsheet: a cell that would start with
// =, +, -, @, tab or carriage return is prefixed with a single quote, so it
// is shown as text and never run as a formula. ReadImport removes that
// quote again, so an export imports back to the same rows.
package csvio
