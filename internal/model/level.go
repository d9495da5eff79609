package model

import (
	"fmt"
	"strings"
)

// Level is a permission level within a server. Levels are ordered, so a check
// reads as `level >= LevelGenerator`.
type Level int

// The zero Level is LevelUser: a member with no mapped role is a user.
const (
	LevelUser Level = iota
	LevelGenerator
	LevelAdmin
)

// Levels lists every level, lowest first.
func Levels() []Level { return []Level{LevelUser, LevelGenerator, LevelAdmin} }

func (l Level) String() string {
	switch l {
	case LevelUser:
		return "user"
	case LevelGenerator:
		return "generator"
	case LevelAdmin:
		return "admin"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Valid reports whether l is one of the defined levels.
func (l Level) Valid() bool { return l >= LevelUser && l <= LevelAdmin }

// ParseLevel reads a level name as String writes it, ignoring case and
// surrounding space.
func ParseLevel(s string) (Level, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	for _, l := range Levels() {
		if l.String() == name {
			return l, nil
		}
	}
	return 0, Errorf(CodeInvalid, "unknown permission level %q: use user, generator or admin", s)
}

// MarshalText lets a Level be written as its name in JSON and YAML.
func (l Level) MarshalText() ([]byte, error) {
	if !l.Valid() {
		return nil, fmt.Errorf("marshal level: invalid level %d", int(l))
	}
	return []byte(l.String()), nil
}

// UnmarshalText reads a Level from its name.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}
