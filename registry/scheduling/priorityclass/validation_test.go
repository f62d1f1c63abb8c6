package priorityclass

import "testing"

// TestSystemPriorityClassesAreValid checks the classes Bootstrap creates
// pass validation (the reserved "system-" names with their fixed values).
func TestSystemPriorityClassesAreValid(t *testing.T) {
	for _, pc := range SystemPriorityClasses() {
		if errs := Validate(pc); len(errs) > 0 {
			t.Errorf("%s: %v", pc.Name, errs)
		}
	}
	bad := SystemPriorityClasses()[0]
	bad.Value++
	if len(Validate(bad)) == 0 {
		t.Errorf("system class with a wrong value accepted")
	}
}
