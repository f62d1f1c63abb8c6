package rolebinding

import (
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/skiff-k8s/skiff/registry/rbac/rbacvalidation"
	"github.com/skiff-k8s/skiff/registry/table"
)

// Table prints NAME, ROLE, AGE and, with -o wide, USERS, GROUPS, SERVICEACCOUNTS.
var Table = table.Convertor[*rbacv1.RoleBinding]{
	Columns: []metav1.TableColumnDefinition{
		table.NameColumn,
		{Name: "Role", Type: "string", Description: rbacv1.RoleBinding{}.SwaggerDoc()["roleRef"]},
		table.AgeColumn,
		{Name: "Users", Type: "string", Priority: 1, Description: "Users in the roleBinding"},
		{Name: "Groups", Type: "string", Priority: 1, Description: "Groups in the roleBinding"},
		{Name: "ServiceAccounts", Type: "string", Priority: 1, Description: "ServiceAccounts in the roleBinding"},
	},
	Row: func(b *rbacv1.RoleBinding) []interface{} {
		users, groups, sas := rbacvalidation.SubjectsStrings(b.Subjects)
		return []interface{}{b.Name, b.RoleRef.Kind + "/" + b.RoleRef.Name, table.Age(b.CreationTimestamp),
			strings.Join(users, ", "), strings.Join(groups, ", "), strings.Join(sas, ", ")}
	},
}
