package compat

import "testing"

func TestNormalizeGet(t *testing.T) {
	in := "" +
		"NAME           TYPE       CLUSTER-IP     EXTERNAL-IP   PORT(S)        AGE   SELECTOR\n" +
		"web-nodeport   NodePort   10.101.7.200   <none>        80:31234/TCP   12s   app=web\n"
	want := "" +
		"NAME           TYPE       CLUSTER-IP    EXTERNAL-IP   PORT(S)             AGE     SELECTOR\n" +
		"web-nodeport   NodePort   <clusterIP>   <none>        80:<nodePort>/TCP   <age>   app=web\n"
	if got := NormalizeGet(in); got != want {
		t.Errorf("service:\n%s\nwant:\n%s", got, want)
	}
	// Header names with a blank, an empty cell, durations.
	in = "" +
		"LAST SEEN   TYPE     REASON   OBJECT    SUBOBJECT   MESSAGE         FIRST SEEN   COUNT\n" +
		"2y13d       Normal   Synced   pod/web               Object synced   3m2s         1\n"
	want = "" +
		"LAST SEEN   TYPE     REASON   OBJECT    SUBOBJECT   MESSAGE         FIRST SEEN   COUNT\n" +
		"<age>       Normal   Synced   pod/web               Object synced   <age>        1\n"
	if got := NormalizeGet(in); got != want {
		t.Errorf("event:\n%s\nwant:\n%s", got, want)
	}
	// Not a table: kept.
	if got := NormalizeGet("Error from server (NotFound): x\n"); got != "Error from server (NotFound): x\n" {
		t.Errorf("error kept as %q", got)
	}
}
