package apigroups

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestRBACDefaultsValidationAndTables(t *testing.T) {
	ns := "default"
	rbac := srv.Client.RbacV1()
	role, err := rbac.Roles(ns).Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "reader"},
		Rules:      []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rbac.Roles(ns).Delete(ctx, role.Name, metav1.DeleteOptions{}) })

	_, err = rbac.Roles(ns).Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "bad"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}}},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "rules[0].verbs")
	_, err = rbac.Roles(ns).Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "bad"},
		Rules:      []rbacv1.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/healthz"}}},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "rules[0].nonResourceURLs")

	// roleRef.apiGroup and User/Group subjects' apiGroup are defaulted.
	rb, err := rbac.RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "read-pods"},
		RoleRef:    rbacv1.RoleRef{Kind: "Role", Name: "reader"},
		Subjects: []rbacv1.Subject{
			{Kind: "User", Name: "jane"},
			{Kind: "Group", Name: "devs"},
			{Kind: "ServiceAccount", Name: "builder", Namespace: ns},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rbac.RoleBindings(ns).Delete(ctx, rb.Name, metav1.DeleteOptions{}) })
	if rb.RoleRef.APIGroup != rbacv1.GroupName || rb.Subjects[0].APIGroup != rbacv1.GroupName || rb.Subjects[2].APIGroup != "" {
		t.Errorf("defaults not applied: %+v %+v", rb.RoleRef, rb.Subjects)
	}

	// roleRef is immutable.
	rb.RoleRef.Name = "other"
	_, err = rbac.RoleBindings(ns).Update(ctx, rb, metav1.UpdateOptions{})
	assertInvalid(t, err, "roleRef")

	// Subjects must be known kinds; cluster bindings' service accounts need a namespace.
	_, err = rbac.ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "bad-crb"},
		RoleRef:    rbacv1.RoleRef{Kind: "Role", Name: "x"},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Name: "sa"}},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "roleRef.kind")
	assertInvalid(t, err, "subjects[0].namespace")

	table := getTable(t, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings")
	if got := strings.Join(columns(table), ","); got != "Name,Role,Age,Users*,Groups*,ServiceAccounts*" {
		t.Errorf("rolebinding columns = %s", got)
	}
	row := rowFor(t, table, "read-pods")
	if row[1] != "Role/reader" || row[3] != "jane" || row[4] != "devs" || row[5] != "default/builder" {
		t.Errorf("rolebinding row = %v", row)
	}

	// Roles have no printer upstream: NAME, CREATED AT.
	table = getTable(t, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles")
	if got := strings.Join(columns(table), ","); got != "Name,Created At" {
		t.Errorf("role columns = %s", got)
	}
}

func TestClusterRoleAggregationRule(t *testing.T) {
	_, err := srv.Client.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta:      metav1.ObjectMeta{Name: "agg-empty"},
		AggregationRule: &rbacv1.AggregationRule{},
	}, metav1.CreateOptions{})
	assertInvalid(t, err, "aggregationRule.clusterRoleSelectors")
	cr, err := srv.Client.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "agg"},
		AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{
			{MatchLabels: map[string]string{"rbac.example.com/aggregate-to-agg": "true"}},
		}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_ = srv.Client.RbacV1().ClusterRoles().Delete(ctx, cr.Name, metav1.DeleteOptions{})
	_ = corev1.NamespaceDefault
}
