package envvars

import (
	"strings"
	"unicode/utf8"
)

// Expand replaces $(VAR) references in s using mapping. "$$" yields a literal
// "$" so users can write "$$(VAR)" to keep the text. References mapping does
// not know are expected to come back unchanged (see MappingFor), which is why
// a typo in a variable name shows up verbatim in the container rather than as
// an empty string.
func Expand(s string, mapping func(string) string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			continue
		}
		b.WriteString(s[last:i])
		text, isVar, consumed := readRef(s[i+1:])
		if isVar {
			b.WriteString(mapping(text))
		} else {
			b.WriteString(text)
		}
		i += consumed
		last = i + 1
	}
	return b.String() + s[last:]
}

// readRef reads what follows a '$': an escaped '$', a complete "(name)", or
// anything else, which is passed through together with the '$'.
func readRef(s string) (text string, isVar bool, consumed int) {
	r, size := utf8.DecodeRuneInString(s)
	switch r {
	case '$':
		return s[:size], false, size
	case '(':
		if end := strings.IndexByte(s[1:], ')'); end >= 0 {
			return s[1 : end+1], true, end + 2
		}
		// Unterminated: keep "$(" and carry on scanning after it.
		return "$(", false, 1
	default:
		return "$" + string(r), false, size
	}
}

// MappingFor resolves names from the first map that has them and leaves
// unknown references as "$(name)", matching the kubelet.
func MappingFor(maps ...map[string]string) func(string) string {
	return func(name string) string {
		for _, m := range maps {
			if v, ok := m[name]; ok {
				return v
			}
		}
		return "$(" + name + ")"
	}
}

// ExpandCommand expands $(VAR) in a container's command or args against its
// resolved environment, as the kubelet does before creating the container.
func ExpandCommand(args []string, env []EnvVar) []string {
	if len(args) == 0 {
		return args
	}
	m := make(map[string]string, len(env))
	for _, e := range env {
		m[e.Name] = e.Value
	}
	mapping := MappingFor(m)
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = Expand(a, mapping)
	}
	return out
}
