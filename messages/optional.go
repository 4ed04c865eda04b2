package messages

import "encoding/json"

// Nullable is a patch field with three states: absent (Set false), null (Set true, Value nil),
// or a value.
type Nullable struct {
	Set   bool
	Value *string
}

// UnmarshalJSON implements json.Unmarshaler; it is only called when the field is present.
func (n *Nullable) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Value = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	n.Value = &s
	return nil
}

// MarshalJSON implements json.Marshaler: null when unset or null.
func (n Nullable) MarshalJSON() ([]byte, error) { return json.Marshal(n.Value) }

// Set returns a Nullable holding s.
func Set(s string) Nullable { return Nullable{Set: true, Value: &s} }

// Null returns a Nullable that clears the field.
func Null() Nullable { return Nullable{Set: true} }
