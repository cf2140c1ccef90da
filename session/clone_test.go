package session

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestCloneSharesNothing: a copy tried and saved before it is adopted must
// share no slice, map or pointer with the session it was copied from, or a
// change that failed to save would show on screen anyway. The document is
// filled in every field first, so a field added later and not cloned fails
// here.
func TestCloneSharesNothing(t *testing.T) {
	var d Document
	fill(reflect.ValueOf(&d).Elem())
	s := &Session{pack: defaultPack(t), clock: &fakeClock{t: testNow()}, doc: d}
	c := s.Clone()
	if !reflect.DeepEqual(c.doc, s.doc) {
		t.Fatal("the clone differs from the original")
	}
	shared(t, "Document", reflect.ValueOf(s.doc), reflect.ValueOf(c.doc))
	// And the document survives its own storage format whole.
	b, err := json.Marshal(c.doc)
	if err != nil || len(b) < 100 {
		t.Fatalf("marshal: %v", err)
	}
}

// fill sets every field reachable from v to something non-zero.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fill(v.Elem())
	case reflect.Struct:
		if v.Type().PkgPath() == "time" {
			return
		}
		for i := range v.NumField() {
			if v.Field(i).CanSet() {
				fill(v.Field(i))
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k)
		fill(e)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(1)
	}
}

// shared fails for any slice, map or pointer the two values have in common.
func shared(t *testing.T, path string, a, b reflect.Value) {
	t.Helper()
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() {
			return
		}
		if a.Pointer() == b.Pointer() {
			t.Errorf("%s is shared between the session and its clone", path)
		}
		shared(t, path, a.Elem(), b.Elem())
	case reflect.Slice, reflect.Map:
		if a.Len() > 0 && a.Pointer() == b.Pointer() {
			t.Errorf("%s is shared between the session and its clone", path)
		}
		if a.Kind() == reflect.Slice {
			for i := range a.Len() {
				shared(t, path+"[i]", a.Index(i), b.Index(i))
			}
		}
	case reflect.Struct:
		for i := range a.NumField() {
			shared(t, path+"."+a.Type().Field(i).Name, a.Field(i), b.Field(i))
		}
	}
}
