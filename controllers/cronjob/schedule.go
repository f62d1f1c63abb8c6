package cronjob

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule gives the activation times of a cron schedule, with the
// semantics of github.com/robfig/cron/v3's standard parser, which upstream
// uses: five fields (minute hour day-of-month month day-of-week) or a
// descriptor (@hourly, @every 1h, ...), optionally after TZ= or CRON_TZ=.
type Schedule interface {
	// Next is the first activation strictly after t.
	Next(t time.Time) time.Time
}

type specSchedule struct {
	minute, hour, dom, month, dow uint64
	loc                           *time.Location
}

type everySchedule struct{ delay time.Duration }

func (e everySchedule) Next(t time.Time) time.Time {
	return t.Add(e.delay - time.Duration(t.Nanosecond())*time.Nanosecond)
}

const starBit = 1 << 63

type bounds struct {
	min, max uint
	names    map[string]uint
}

var (
	minutes = bounds{0, 59, nil}
	hours   = bounds{0, 23, nil}
	doms    = bounds{1, 31, nil}
	months  = bounds{1, 12, map[string]uint{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
		"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}}
	dows = bounds{0, 6, map[string]uint{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}}
)

// ParseSchedule parses a cron schedule.
func ParseSchedule(spec string) (s Schedule, err error) {
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("invalid schedule format: %v", r)
		}
	}()
	if spec == "" {
		return nil, fmt.Errorf("empty spec string")
	}
	loc := time.Local
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		i := strings.Index(spec, " ")
		eq := strings.Index(spec, "=")
		if i < 0 {
			return nil, fmt.Errorf("invalid schedule format: missing schedule after time zone")
		}
		if loc, err = time.LoadLocation(spec[eq+1 : i]); err != nil {
			return nil, fmt.Errorf("provided bad location %s: %v", spec[eq+1:i], err)
		}
		spec = strings.TrimSpace(spec[i:])
	}
	if strings.HasPrefix(spec, "@") {
		return parseDescriptor(spec, loc)
	}
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		return nil, fmt.Errorf("expected exactly 5 fields, found %d: %s", len(fields), fields)
	}
	var bits [5]uint64
	for i, b := range []bounds{minutes, hours, doms, months, dows} {
		if bits[i], err = parseField(fields[i], b); err != nil {
			return nil, err
		}
	}
	return &specSchedule{minute: bits[0], hour: bits[1], dom: bits[2], month: bits[3], dow: bits[4], loc: loc}, nil
}

func all(b bounds) uint64 { return span(b.min, b.max, 1) | starBit }

func span(lo, hi, step uint) uint64 {
	if step == 1 {
		return ^(^uint64(0) << (hi + 1)) & (^uint64(0) << lo)
	}
	var bits uint64
	for i := lo; i <= hi; i += step {
		bits |= 1 << i
	}
	return bits
}

func parseDescriptor(d string, loc *time.Location) (Schedule, error) {
	one := func(b bounds, v uint) uint64 { return 1 << v }
	switch d {
	case "@yearly", "@annually":
		return &specSchedule{one(minutes, 0), one(hours, 0), one(doms, 1), one(months, 1), all(dows), loc}, nil
	case "@monthly":
		return &specSchedule{one(minutes, 0), one(hours, 0), one(doms, 1), all(months), all(dows), loc}, nil
	case "@weekly":
		return &specSchedule{one(minutes, 0), one(hours, 0), all(doms), all(months), one(dows, 0), loc}, nil
	case "@daily", "@midnight":
		return &specSchedule{one(minutes, 0), one(hours, 0), all(doms), all(months), all(dows), loc}, nil
	case "@hourly":
		return &specSchedule{one(minutes, 0), all(hours), all(doms), all(months), all(dows), loc}, nil
	}
	const every = "@every "
	if strings.HasPrefix(d, every) {
		dur, err := time.ParseDuration(d[len(every):])
		if err != nil {
			return nil, fmt.Errorf("failed to parse duration %s: %s", d, err)
		}
		if dur < time.Second {
			dur = time.Second
		}
		return everySchedule{dur - time.Duration(dur.Nanoseconds())%time.Second}, nil
	}
	return nil, fmt.Errorf("unrecognized descriptor: %s", d)
}

func parseField(f string, r bounds) (uint64, error) {
	var bits uint64
	for _, expr := range strings.FieldsFunc(f, func(c rune) bool { return c == ',' }) {
		b, err := parseRange(expr, r)
		if err != nil {
			return 0, err
		}
		bits |= b
	}
	return bits, nil
}

func parseRange(expr string, r bounds) (uint64, error) {
	rangeAndStep := strings.Split(expr, "/")
	lowAndHigh := strings.Split(rangeAndStep[0], "-")
	var start, end, step uint
	var extra uint64
	var err error
	if lowAndHigh[0] == "*" || lowAndHigh[0] == "?" {
		start, end, extra = r.min, r.max, starBit
	} else {
		if start, err = parseIntOrName(lowAndHigh[0], r.names); err != nil {
			return 0, err
		}
		switch len(lowAndHigh) {
		case 1:
			end = start
		case 2:
			if end, err = parseIntOrName(lowAndHigh[1], r.names); err != nil {
				return 0, err
			}
		default:
			return 0, fmt.Errorf("too many hyphens: %s", expr)
		}
	}
	switch len(rangeAndStep) {
	case 1:
		step = 1
	case 2:
		if step, err = parseInt(rangeAndStep[1]); err != nil {
			return 0, err
		}
		if len(lowAndHigh) == 1 {
			end = r.max
		}
		if step > 1 {
			extra = 0
		}
	default:
		return 0, fmt.Errorf("too many slashes: %s", expr)
	}
	switch {
	case start < r.min:
		return 0, fmt.Errorf("beginning of range (%d) below minimum (%d): %s", start, r.min, expr)
	case end > r.max:
		return 0, fmt.Errorf("end of range (%d) above maximum (%d): %s", end, r.max, expr)
	case start > end:
		return 0, fmt.Errorf("beginning of range (%d) beyond end of range (%d): %s", start, end, expr)
	case step == 0:
		return 0, fmt.Errorf("step of range should be a positive number: %s", expr)
	}
	return span(start, end, step) | extra, nil
}

func parseIntOrName(expr string, names map[string]uint) (uint, error) {
	if n, ok := names[strings.ToLower(expr)]; ok {
		return n, nil
	}
	return parseInt(expr)
}

func parseInt(expr string) (uint, error) {
	n, err := strconv.Atoi(expr)
	if err != nil {
		return 0, fmt.Errorf("failed to parse int from %s: %s", expr, err)
	}
	if n < 0 {
		return 0, fmt.Errorf("negative number (%d) not allowed: %s", n, expr)
	}
	return uint(n), nil
}

// Next is the first matching minute after t, searching up to five years
// ahead (robfig/cron's algorithm: advance the largest field that does not
// match and reset the smaller ones).
func (s *specSchedule) Next(t time.Time) time.Time {
	origLoc := t.Location()
	loc := s.loc
	if loc == time.Local {
		loc = t.Location()
	}
	t = t.In(loc)
	t = t.Add(time.Minute - time.Duration(t.Second())*time.Second - time.Duration(t.Nanosecond()))
	added := false
	yearLimit := t.Year() + 5
wrap:
	if t.Year() > yearLimit {
		return time.Time{}
	}
	for 1<<uint(t.Month())&s.month == 0 {
		if !added {
			added = true
			t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
		}
		t = t.AddDate(0, 1, 0)
		if t.Month() == time.January {
			goto wrap
		}
	}
	for !s.dayMatches(t) {
		if !added {
			added = true
			t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
		}
		t = t.AddDate(0, 0, 1)
		// Daylight saving may make midnight not exist.
		if t.Hour() != 0 {
			if t.Hour() > 12 {
				t = t.Add(time.Duration(24-t.Hour()) * time.Hour)
			} else {
				t = t.Add(time.Duration(-t.Hour()) * time.Hour)
			}
		}
		if t.Day() == 1 {
			goto wrap
		}
	}
	for 1<<uint(t.Hour())&s.hour == 0 {
		if !added {
			added = true
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), 0, 0, 0, loc)
		}
		t = t.Add(time.Hour)
		if t.Hour() == 0 {
			goto wrap
		}
	}
	for 1<<uint(t.Minute())&s.minute == 0 {
		if !added {
			added = true
			t = t.Truncate(time.Minute)
		}
		t = t.Add(time.Minute)
		if t.Minute() == 0 {
			goto wrap
		}
	}
	return t.In(origLoc)
}

func (s *specSchedule) dayMatches(t time.Time) bool {
	domMatch := 1<<uint(t.Day())&s.dom > 0
	dowMatch := 1<<uint(t.Weekday())&s.dow > 0
	if s.dom&starBit > 0 || s.dow&starBit > 0 {
		return domMatch && dowMatch
	}
	return domMatch || dowMatch
}
