package messages

import (
	"unicode"
	"unicode/utf8"
)

// The rules every string from outside follows, whatever field it fills: valid UTF-8 and no
// control characters (a multi-line text may hold tabs and line breaks). A NUL or an escape
// sequence in a name or an id is never a user's intent; refused at the edge, it never reaches
// the store or another user's screen.

// MaxID bounds an id a client names (a path segment or a body field), in bytes.
const MaxID = 200

// ValidText reports whether s is valid UTF-8 without control characters; multiLine allows
// tab, line feed and carriage return.
func ValidText(s string, multiLine bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiLine && (r == '\t' || r == '\n' || r == '\r')) {
			return false
		}
	}
	return true
}

// ValidID reports whether id could name a resource: 1 to MaxID bytes of text without control
// characters or spaces. A gateway answers not_found for a path id that is not one.
func ValidID(id string) bool {
	if id == "" || len(id) > MaxID || !ValidText(id, false) {
		return false
	}
	for _, r := range id {
		if unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// checkText is the validation error for a field whose text breaks the rules, or nil.
func checkText(field, s string, multiLine bool) error {
	if !ValidText(s, multiLine) {
		return Errorf(CodeValidation, "%s must be text without control characters", field).Field(field, "control")
	}
	return nil
}

// checkID is the validation error for a field that should name a resource and cannot, or nil.
func checkID(field, id string) error {
	if !ValidID(id) {
		return Errorf(CodeValidation, "%s is not a valid id", field).Field(field, "format")
	}
	return nil
}
