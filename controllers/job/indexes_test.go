package job

import "testing"

func TestIndexSetRoundTrip(t *testing.T) {
	for in, want := range map[string]string{"": "", "0": "0", "0-2": "0-2", "1,3-5,7": "1,3-5,7", "5,1-2,3": "1-3,5", "0-9": "0-4"} {
		if got := parseIndexes(in, 5+map[bool]int{true: 3, false: 0}[in != "0-9"]).String(); got != want {
			t.Errorf("%q -> %q, want %q", in, got, want)
		}
	}
}

func FuzzParseIndexes(f *testing.F) {
	f.Add("1,3-5,7", 10)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 1000 {
			return
		}
		set := parseIndexes(s, n)
		if again := parseIndexes(set.String(), n); again.String() != set.String() {
			t.Fatalf("%q: %q then %q", s, set.String(), again.String())
		}
	})
}
