package hooks

import (
	"strings"
	"testing"
)

func TestCrypto(t *testing.T) {
	env, _ := modTestEnv(t)
	L := modState(t, env)
	modCheck(t, L, []modCase{
		{`local c = require("crypto"); return c.sha256("abc"), c.md5("abc")`, []string{
			"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
			"900150983cd24fb0d6963f7d28e17f72"}},
		{`return require("crypto").hmac_sha256("key", "The quick brown fox jumps over the lazy dog")`,
			[]string{"f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"}},
		{`local c = require("crypto"); local h = c.bcrypt_hash("s3cret", 4)
		  return h:sub(1, 7), #h, c.bcrypt_verify(h, "s3cret"), c.bcrypt_verify(h, "S3cret"), c.bcrypt_verify("junk", "s3cret")`,
			[]string{"$2a$04$", "60", "true", "false", "false"}},
		// A cost the verifier refuses: seconds of CPU that nothing could interrupt.
		{`local c = require("crypto"); local h = c.bcrypt_hash("pw", 4):gsub("^%$2a%$04%$", "$2a$15$")
		  return c.bcrypt_verify(h, "pw")`,
			[]string{"nil", "crypto.bcrypt_verify: the hash's cost is above 14"}},
		{`return require("crypto").bcrypt_hash(string.rep("x", 73), 4)`,
			[]string{"nil", "crypto.bcrypt_hash: bcrypt: password length exceeds 72 bytes"}},
		{`local h = require("crypto").random_hex(16); return #h, h:match("^[0-9a-f]+$") ~= nil`,
			[]string{"32", "true"}},
	})
	for _, bad := range []string{
		`require("crypto").bcrypt_hash("pw", 13)`,
		`require("crypto").random_hex(0)`,
		`require("crypto").sha256()`,
	} {
		if _, err := modTry(L, bad); err == nil || !strings.Contains(err.Error(), "bad argument") {
			t.Errorf("%s: err = %v, want a bad argument error", bad, err)
		}
	}
}
