package bootstrap

import (
	"testing"

	flowcontrolv1 "k8s.io/api/flowcontrol/v1"
)

func TestDanglingCondition(t *testing.T) {
	fs := &flowcontrolv1.FlowSchema{Spec: flowcontrolv1.FlowSchemaSpec{
		PriorityLevelConfiguration: flowcontrolv1.PriorityLevelConfigurationReference{Name: "compat-level"}}}
	found := DanglingCondition(fs, true)
	if found.Status != flowcontrolv1.ConditionFalse || found.Reason != "Found" ||
		found.Message != `This FlowSchema references the PriorityLevelConfiguration object named "compat-level" and it exists` {
		t.Errorf("found: %+v", found)
	}
	missing := DanglingCondition(fs, false)
	if missing.Status != flowcontrolv1.ConditionTrue || missing.Reason != "NotFound" ||
		missing.Message != `This FlowSchema references the PriorityLevelConfiguration object named "compat-level" but there is no such object` {
		t.Errorf("missing: %+v", missing)
	}
	if hasCondition(fs, found) {
		t.Error("a FlowSchema without conditions has the wanted one")
	}
	fs.Status.Conditions = []flowcontrolv1.FlowSchemaCondition{found}
	if !hasCondition(fs, found) || hasCondition(fs, missing) {
		t.Error("hasCondition does not compare status, reason and message")
	}
	if !mandatoryPL("exempt") || !mandatoryPL("catch-all") || mandatoryPL("compat-level") {
		t.Error("mandatory priority levels")
	}
}
