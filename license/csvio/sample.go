package csvio

// Sample is the CSV admins download to see what an upload looks like: a
// header and a row for each role, one with a comma in the name.
func Sample() string {
	return "email,name,role\r\n" +
		"ada.lovelace@example.org,Ada Lovelace,teacher\r\n" +
		"alan.turing@example.org,Alan Turing,student\r\n" +
		"grace.hopper@example.org,\"Hopper, Grace\",other\r\n" +
		"katherine.johnson@example.org,,\r\n"
}
