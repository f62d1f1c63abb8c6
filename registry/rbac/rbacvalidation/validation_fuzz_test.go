package rbacvalidation

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

// FuzzValidate checks the rule, roleRef and subject validators never panic,
// that rules without verbs are always refused and that a defaulted
// User/Group subject passes the apiGroup check.
func FuzzValidate(f *testing.F) {
	f.Add("get", "", "pods", "/healthz", "User", "jane", "Role", "reader")
	f.Add("", "apps", "", "", "ServiceAccount", "", "ClusterRole", "")
	f.Fuzz(func(t *testing.T, verb, group, resource, url, kind, name, refKind, refName string) {
		rule := rbacv1.PolicyRule{APIGroups: []string{group}, Resources: []string{resource}}
		if verb != "" {
			rule.Verbs = []string{verb}
		}
		if url != "" {
			rule.NonResourceURLs = []string{url}
		}
		errs := ValidateRules([]rbacv1.PolicyRule{rule}, true, nil)
		if verb == "" {
			found := false
			for _, e := range errs {
				found = found || e.Field == "[0].verbs"
			}
			if !found {
				t.Errorf("rule without verbs accepted: %v", errs)
			}
		}
		ref := rbacv1.RoleRef{Kind: refKind, Name: refName}
		subjects := []rbacv1.Subject{{Kind: kind, Name: name}}
		DefaultBinding(&ref, subjects)
		_ = ValidateRoleRef(ref, "Role", "ClusterRole")
		for _, e := range ValidateSubjects(subjects, false) {
			if (kind == rbacv1.UserKind || kind == rbacv1.GroupKind) && e.Field == "subjects[0].apiGroup" {
				t.Errorf("defaulted %s subject refused: %v", kind, e)
			}
		}
		_ = ValidateRoleRefUpdate(ref, rbacv1.RoleRef{})
	})
}
