package encryption

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

	"golang.org/x/crypto/nacl/secretbox"
)

// encryptedPrefix starts every encrypted value; identity refuses to read it.
const encryptedPrefix = "k8s:enc:"

// provider is one key of one provider: its on-disk prefix and cipher. The
// identity provider has an empty prefix and nil functions.
type provider struct {
	prefix []byte
	// seal encrypts plain bytes; key is the etcd key (authenticated data for
	// aesgcm, as upstream).
	seal func(plain []byte, key string) ([]byte, error)
	open func(sealed []byte, key string) ([]byte, error)
}

func (p *provider) identity() bool { return len(p.prefix) == 0 }

// matches reports whether stored bytes were written by p.
func (p *provider) matches(stored []byte) bool {
	if p.identity() {
		return !bytes.HasPrefix(stored, []byte(encryptedPrefix))
	}
	return bytes.HasPrefix(stored, p.prefix)
}

// newProviders builds one provider per key of pc, in order. pc is valid.
func newProviders(pc ProviderConfiguration) ([]*provider, error) {
	name, keys := pc.keyed()
	if keys == nil {
		return []*provider{{}}, nil
	}
	var out []*provider
	for _, k := range keys.Keys {
		secret, err := base64.StdEncoding.DecodeString(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("%s key %s: %w", name, k.Name, err)
		}
		p := &provider{prefix: []byte(encryptedPrefix + name + ":v1:" + k.Name + ":")}
		switch name {
		case "aescbc":
			err = p.aescbc(secret)
		case "aesgcm":
			err = p.aesgcm(secret)
		case "secretbox":
			err = p.secretbox(secret)
		}
		if err != nil {
			return nil, fmt.Errorf("%s key %s: %w", name, k.Name, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// aescbc: random IV, PKCS#7 padding; the value is IV || ciphertext.
func (p *provider) aescbc(secret []byte) error {
	block, err := aes.NewCipher(secret)
	if err != nil {
		return err
	}
	bs := block.BlockSize()
	p.seal = func(plain []byte, _ string) ([]byte, error) {
		pad := bs - len(plain)%bs
		out := make([]byte, bs+len(plain)+pad)
		iv := out[:bs]
		if _, err := rand.Read(iv); err != nil {
			return nil, err
		}
		body := out[bs:]
		copy(body, plain)
		for i := len(plain); i < len(body); i++ {
			body[i] = byte(pad)
		}
		cipher.NewCBCEncrypter(block, iv).CryptBlocks(body, body)
		return out, nil
	}
	p.open = func(sealed []byte, _ string) ([]byte, error) {
		if len(sealed) < 2*bs || len(sealed)%bs != 0 {
			return nil, errors.New("the stored data is not a multiple of the block size")
		}
		out := make([]byte, len(sealed)-bs)
		cipher.NewCBCDecrypter(block, sealed[:bs]).CryptBlocks(out, sealed[bs:])
		pad := int(out[len(out)-1])
		if pad == 0 || pad > bs || pad > len(out) {
			return nil, errors.New("invalid padding on input")
		}
		for _, b := range out[len(out)-pad:] {
			if int(b) != pad {
				return nil, errors.New("invalid padding on input")
			}
		}
		return out[:len(out)-pad], nil
	}
	return nil
}

// aesgcm: random 12-byte nonce; the value is nonce || Seal(plain, ad=key).
func (p *provider) aesgcm(secret []byte) error {
	block, err := aes.NewCipher(secret)
	if err != nil {
		return err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return err
	}
	ns := aead.NonceSize()
	p.seal = func(plain []byte, key string) ([]byte, error) {
		out := make([]byte, ns, ns+len(plain)+aead.Overhead())
		if _, err := rand.Read(out); err != nil {
			return nil, err
		}
		return aead.Seal(out, out[:ns], plain, []byte(key)), nil
	}
	p.open = func(sealed []byte, key string) ([]byte, error) {
		if len(sealed) < ns {
			return nil, errors.New("the stored data was shorter than the required size")
		}
		return aead.Open(nil, sealed[:ns], sealed[ns:], []byte(key))
	}
	return nil
}

// secretbox: random 24-byte nonce; the value is nonce || secretbox.Seal.
func (p *provider) secretbox(secret []byte) error {
	var key [32]byte
	if len(secret) != len(key) {
		return fmt.Errorf("secretbox key must be 32 bytes, got %d", len(secret))
	}
	copy(key[:], secret)
	p.seal = func(plain []byte, _ string) ([]byte, error) {
		var nonce [24]byte
		if _, err := rand.Read(nonce[:]); err != nil {
			return nil, err
		}
		return secretbox.Seal(nonce[:], plain, &nonce, &key), nil
	}
	p.open = func(sealed []byte, _ string) ([]byte, error) {
		var nonce [24]byte
		if len(sealed) < len(nonce) {
			return nil, errors.New("the stored data was shorter than the required size")
		}
		copy(nonce[:], sealed)
		out, ok := secretbox.Open(nil, sealed[len(nonce):], &nonce, &key)
		if !ok {
			return nil, errors.New("secretbox: authentication failed")
		}
		return out, nil
	}
	return nil
}
