package imagelocality

import (
	"testing"
)

func TestPriority(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sum   int64
		count int
		want  int64
	}{
		{"nothing present", 0, 1, 0},
		{"below the 23MB threshold", 20 * mb, 1, 0},
		{"at the per-container maximum", 1000 * mb, 1, 100},
		{"above it", 3000 * mb, 1, 100},
		{"half way", (23 + 1000) * mb / 2, 1, 50},
		{"two containers double the maximum", 1000 * mb, 2, 49},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Priority(tc.sum, tc.count); got != tc.want {
				t.Errorf("Priority(%d, %d) = %d, want %d", tc.sum, tc.count, got, tc.want)
			}
		})
	}
}

func TestNormalizedImageName(t *testing.T) {
	for in, want := range map[string]string{
		"nginx":                       "nginx:latest",
		"nginx:1.25":                  "nginx:1.25",
		"localhost:5000/app":          "localhost:5000/app:latest",
		"localhost:5000/app:v1":       "localhost:5000/app:v1",
		"example.com/app@sha256:abcd": "example.com/app@sha256:abcd",
	} {
		if got := NormalizedImageName(in); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
}
