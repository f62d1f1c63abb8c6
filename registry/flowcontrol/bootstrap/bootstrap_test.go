package bootstrap

import (
	"testing"

	"k8s.io/apiserver/pkg/apis/flowcontrol/bootstrap"

	"github.com/skiff-k8s/skiff/registry/flowcontrol/flowschema"
	"github.com/skiff-k8s/skiff/registry/flowcontrol/prioritylevelconfiguration"
)

// TestBootstrapObjectsAreValid checks every object Ensure creates passes
// skiff's validation, as upstream's pass upstream's.
func TestBootstrapObjectsAreValid(t *testing.T) {
	for _, pl := range append(bootstrap.MandatoryPriorityLevelConfigurations, bootstrap.SuggestedPriorityLevelConfigurations...) {
		if errs := prioritylevelconfiguration.Validate(pl); len(errs) > 0 {
			t.Errorf("%s: %v", pl.Name, errs)
		}
	}
	for _, fs := range append(bootstrap.MandatoryFlowSchemas, bootstrap.SuggestedFlowSchemas...) {
		if errs := flowschema.Validate(fs); len(errs) > 0 {
			t.Errorf("%s: %v", fs.Name, errs)
		}
	}
}
