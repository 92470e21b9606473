// Package errbody owns reading a vendor's own words out of an HTTP error
// answer, for the errors the HTTP connectors return: the first non-empty
// string among the JSON fields a vendor is documented to put its message
// in, else a plain-text body, else a note that the answer was an HTML page;
// always bounded, so a vendor's error page cannot flood a log or the
// dashboard.
//
// Which fields, in which order, and any richer shape (Canvas's errors
// list, Learn's message with its developerMessage, LTI platforms' OAuth
// error codes) are each vendor's rule and stay in its package; this one
// holds only what they all do alike.
package errbody
