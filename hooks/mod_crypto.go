package hooks

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"

	lua "github.com/yuin/gopher-lua"
	"golang.org/x/crypto/bcrypt"
)

// maxBcryptCost bounds crypto.bcrypt_hash's cost: each step doubles the
// time, and cost 12 already takes about a quarter of the default 1 s budget
// on a small machine (the call cannot be interrupted).
const maxBcryptCost = 12

// maxVerifyCost bounds the cost of a hash crypto.bcrypt_verify accepts
// (cost 14 is about a second here; 31 would be days).
const maxVerifyCost = 14

// maxRandomBytes bounds crypto.random_hex.
const maxRandomBytes = 1024

// cryptoFuncs is the crypto module: digests in lower-case hex, bcrypt.
func cryptoFuncs() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"sha256": func(L *lua.LState) int {
			sum := sha256.Sum256([]byte(L.CheckString(1)))
			L.Push(lua.LString(hex.EncodeToString(sum[:])))
			return 1
		},
		"md5": func(L *lua.LState) int {
			sum := md5.Sum([]byte(L.CheckString(1)))
			L.Push(lua.LString(hex.EncodeToString(sum[:])))
			return 1
		},
		"hmac_sha256": func(L *lua.LState) int {
			mac := hmac.New(sha256.New, []byte(L.CheckString(1)))
			mac.Write([]byte(L.CheckString(2)))
			L.Push(lua.LString(hex.EncodeToString(mac.Sum(nil))))
			return 1
		},
		"bcrypt_hash":   bcryptHash,
		"bcrypt_verify": bcryptVerify,
		"random_hex": func(L *lua.LState) int {
			n := L.CheckInt(1)
			if n < 1 || n > maxRandomBytes {
				L.ArgError(1, "the byte count must be 1 to 1024")
			}
			b := make([]byte, n)
			rand.Read(b)
			L.Push(lua.LString(hex.EncodeToString(b)))
			return 1
		},
	}
}

// crypto.bcrypt_hash(password [, cost]) → hash | nil, err
func bcryptHash(L *lua.LState) int {
	password := L.CheckString(1)
	cost := L.OptInt(2, bcrypt.DefaultCost)
	if cost < bcrypt.MinCost || cost > maxBcryptCost {
		L.ArgError(2, "the cost must be 4 to 12")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return pushFail(L, "crypto.bcrypt_hash: "+err.Error())
	}
	L.Push(lua.LString(h))
	return 1
}

// crypto.bcrypt_verify(hash, password) → boolean; a malformed hash is
// false, and a hash whose cost passes maxVerifyCost is nil, err rather than
// seconds of CPU that nothing could interrupt.
func bcryptVerify(L *lua.LState) int {
	hash, password := L.CheckString(1), L.CheckString(2)
	if cost, err := bcrypt.Cost([]byte(hash)); err == nil && cost > maxVerifyCost {
		return pushFail(L, "crypto.bcrypt_verify: the hash's cost is above 14")
	}
	ok := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
	L.Push(lua.LBool(ok))
	return 1
}
