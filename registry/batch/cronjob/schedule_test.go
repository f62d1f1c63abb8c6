package cronjob

import "testing"

func TestParseSchedule(t *testing.T) {
	for spec, want := range map[string]string{
		"*/5 * * * *":             "",
		"0 0 1 jan mon-fri":       "",
		"@hourly":                 "",
		"@every 5m":               "",
		"TZ=UTC 0 * * * *":        "",
		"":                        "empty spec string",
		"* * *":                   "expected exactly 5 fields, found 3: [* * *]",
		"60 * * * *":              "end of range (60) above maximum (59): 60",
		"* * 0 * *":               "beginning of range (0) below minimum (1): 0",
		"5-1 * * * *":             "beginning of range (5) beyond end of range (1): 5-1",
		"*/0 * * * *":             "step of range should be a positive number: */0",
		"x * * * *":               `failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax`,
		"@sometimes":              "unrecognized descriptor: @sometimes",
		"TZ=Nowhere/Land * * * *": "provided bad location Nowhere/Land: unknown time zone Nowhere/Land",
	} {
		err := parseSchedule(spec)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("parseSchedule(%q) = %q, want %q", spec, got, want)
		}
	}
}

// FuzzParseSchedule checks the parser never panics.
func FuzzParseSchedule(f *testing.F) {
	f.Add("*/5 * * * *")
	f.Add("TZ=UTC")
	f.Add("@every 1h")
	f.Fuzz(func(t *testing.T, spec string) { _ = parseSchedule(spec) })
}
