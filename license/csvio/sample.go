package csvio

// Sample is the CSV admins download to see what an upload looks like: a
// header and a row for each role, one with a comma in the name. Its
// org_unit column (ignored by an import) makes the same file a roster for
// the static connector of "rollcall config example".
func Sample() string {
	return "email,name,role,org_unit\r\n" +
		"ada.lovelace@example.org,Ada Lovelace,teacher,/Staff\r\n" +
		"alan.turing@example.org,Alan Turing,student,/Students/High\r\n" +
		"grace.hopper@example.org,\"Hopper, Grace\",other,/Staff\r\n" +
		"katherine.johnson@example.org,,,/Students/High/Grade 9\r\n"
}
