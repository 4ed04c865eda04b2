package messages

import (
	"strconv"
	"unicode/utf8"
)

// AppendJSON appends t's JSON to b: the bytes encoding/json writes for a normalized task,
// written without reflection, as a snapshot writes thousands of tasks. Lists that are nil
// are written as empty arrays.
func (t *Task) AppendJSON(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendJSONString(b, t.ID)
	b = append(b, `,"boardId":`...)
	b = appendJSONString(b, t.BoardID)
	b = append(b, `,"listId":`...)
	b = appendJSONString(b, t.ListID)
	b = append(b, `,"title":`...)
	b = appendJSONString(b, t.Title)
	b = append(b, `,"description":`...)
	b = appendOptionalString(b, t.Description)
	b = append(b, `,"assigneeId":`...)
	b = appendOptionalString(b, t.AssigneeID)
	b = append(b, `,"assigneeIds":`...)
	b = appendStrings(b, t.AssigneeIDs)
	b = append(b, `,"labelIds":`...)
	b = appendStrings(b, t.LabelIDs)
	b = append(b, `,"dueAt":`...)
	b = appendOptionalTime(b, t.DueAt)
	b = append(b, `,"checklist":[`...)
	for i, it := range t.Checklist {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":`...)
		b = appendJSONString(b, it.ID)
		b = append(b, `,"text":`...)
		b = appendJSONString(b, it.Text)
		b = append(b, `,"done":`...)
		b = strconv.AppendBool(b, it.Done)
		b = append(b, `,"position":`...)
		b = strconv.AppendInt(b, int64(it.Position), 10)
		b = append(b, '}')
	}
	b = append(b, `],"commentCount":`...)
	b = strconv.AppendInt(b, int64(t.CommentCount), 10)
	b = append(b, `,"archivedAt":`...)
	b = appendOptionalTime(b, t.ArchivedAt)
	b = append(b, `,"position":`...)
	b = strconv.AppendInt(b, int64(t.Position), 10)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(t.Version), 10)
	b = append(b, `,"createdAt":`...)
	b = appendTime(b, t.CreatedAt)
	b = append(b, `,"updatedAt":`...)
	b = appendTime(b, t.UpdatedAt)
	return append(b, '}')
}

func appendOptionalString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendJSONString(b, *s)
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, s)
	}
	return append(b, ']')
}

func appendTime(b []byte, t Time) []byte {
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, TimeLayout)
	return append(b, '"')
}

func appendOptionalTime(b []byte, t *Time) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	return appendTime(b, *t)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as encoding/json writes a string: HTML characters, U+2028 and
// U+2029 escaped, and invalid UTF-8 replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
