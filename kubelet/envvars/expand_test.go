package envvars

import "testing"

func TestExpand(t *testing.T) {
	mapping := MappingFor(map[string]string{"A": "alpha", "B": "beta", "EMPTY": ""})
	for _, tc := range []struct{ in, want string }{
		{"$(A)", "alpha"},
		{"x-$(A)-$(B)-y", "x-alpha-beta-y"},
		{"$(UNDEFINED)", "$(UNDEFINED)"},
		{"$$(A)", "$(A)"},
		{"$$$(A)", "$alpha"},
		{"$$", "$"},
		{"$", "$"},
		{"a$", "a$"},
		{"$(A", "$(A"},
		{"$A", "$A"},
		{"$(EMPTY)x", "x"},
		{"$()", "$()"},
		{"ünï$(A)çødé", "ünïalphaçødé"},
	} {
		if got := Expand(tc.in, mapping); got != tc.want {
			t.Errorf("Expand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExpandCommand(t *testing.T) {
	got := ExpandCommand([]string{"echo", "$(GREETING) $(NAME)", "$$(NAME)"}, []EnvVar{{"GREETING", "hi"}, {"NAME", "bob"}})
	want := []string{"echo", "hi bob", "$(NAME)"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
}
