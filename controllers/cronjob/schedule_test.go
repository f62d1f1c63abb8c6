package cronjob

import (
	"testing"
	"time"
)

func TestNext(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct{ spec, from, want string }{
		{"* * * * *", "2026-03-01T10:00:30Z", "2026-03-01T10:01:00Z"},
		{"*/15 * * * *", "2026-03-01T10:01:00Z", "2026-03-01T10:15:00Z"},
		{"0 3 * * *", "2026-03-01T10:01:00Z", "2026-03-02T03:00:00Z"},
		{"30 8 * * mon-fri", "2026-03-06T09:00:00Z", "2026-03-09T08:30:00Z"}, // Friday -> Monday
		{"0 0 1,15 * *", "2026-03-02T00:00:00Z", "2026-03-15T00:00:00Z"},
		{"0 0 13 * 5", "2026-03-01T00:00:00Z", "2026-03-06T00:00:00Z"}, // day-of-month OR day-of-week
		{"@hourly", "2026-03-01T10:01:00Z", "2026-03-01T11:00:00Z"},
		{"@monthly", "2026-03-01T10:01:00Z", "2026-04-01T00:00:00Z"},
		{"@every 90s", "2026-03-01T10:00:00Z", "2026-03-01T10:01:30Z"},
		{"0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"},
		{"TZ=Asia/Tokyo 0 9 * * *", "2026-03-01T00:30:00Z", "2026-03-02T00:00:00Z"},
	} {
		s, err := ParseSchedule(c.spec)
		if err != nil {
			t.Fatalf("%s: %v", c.spec, err)
		}
		if got := s.Next(utc(c.from)).UTC(); !got.Equal(utc(c.want)) {
			t.Errorf("%s after %s = %s, want %s", c.spec, c.from, got, c.want)
		}
	}
	for _, bad := range []string{"", "* * * *", "60 * * * *", "@often", "*/0 * * * *", "TZ=Nowhere/Land * * * * *"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"* * * * *", "*/5 1-3 * jan-mar sun", "@every 1m", "TZ=UTC 0 0 * * *"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := ParseSchedule(spec)
		if err != nil {
			return
		}
		from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		if n := s.Next(from); !n.IsZero() && !n.After(from) {
			t.Fatalf("%q: Next(%s) = %s", spec, from, n)
		}
	})
}
