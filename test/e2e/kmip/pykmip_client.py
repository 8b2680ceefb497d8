"""
PyKMIP's own client (Debian python3-pykmip, unmodified) driving Strongbox's KMIP listener over mutual TLS.
Run by test/e2e/kmip-pykmip.test.ts:

    python3 pykmip_client.py SCENARIO HOST PORT CERT KEY CA VERSION [ARGS...]

Prints one JSON object: the results of each step, or {"error": "<exception class>: <message>"} per failed
step, so the TypeScript test asserts on what PyKMIP itself saw.
"""
import json
import sys
import traceback

from kmip import enums
from kmip.pie import client as pie_client
from kmip.pie import objects
from kmip.core import objects as cobjects

scenario, host, port, cert, key, ca, version = sys.argv[1:8]
extra = sys.argv[8:]
versions = {
    "1.0": enums.KMIPVersion.KMIP_1_0,
    "1.1": enums.KMIPVersion.KMIP_1_1,
    "1.2": enums.KMIPVersion.KMIP_1_2,
    "1.3": enums.KMIPVersion.KMIP_1_3,
    "1.4": enums.KMIPVersion.KMIP_1_4,
    "2.0": enums.KMIPVersion.KMIP_2_0,
}
out = {}


def step(name, fn):
    try:
        out[name] = fn()
    except Exception as e:  # noqa: BLE001 - reported to the test, which decides
        out[name] = {"error": "%s: %s" % (type(e).__name__, e)}
        if "--trace" in extra:
            traceback.print_exc(file=sys.stderr)
    return out[name]


c = pie_client.ProxyKmipClient(hostname=host, port=int(port), cert=cert, key=key, ca=ca, config_file="/dev/null", kmip_version=versions[version])
c.open()
try:
    if scenario == "full":
        # Operation Policy Name exists in KMIP 1.x only (PyKMIP itself refuses it for 2.0).
        policy = {} if version == "2.0" else {"operation_policy_name": "default"}
        uid = step("create", lambda: c.create(enums.CryptographicAlgorithm.AES, 256, name="db-master", cryptographic_usage_mask=[enums.CryptographicUsageMask.ENCRYPT, enums.CryptographicUsageMask.DECRYPT], **policy))
        step("attributes_pre", lambda: {a.attribute_name.value: str(a.attribute_value) for a in c.get_attributes(uid, ["State", "Name", "Operation Policy Name", "Cryptographic Length", "Cryptographic Algorithm"])[1]})
        step("attribute_list", lambda: sorted(c.get_attribute_list(uid)))
        step("encrypt_pre_active", lambda: c.encrypt(b"x" * 16, uid=uid, cryptographic_parameters={"cryptographic_algorithm": enums.CryptographicAlgorithm.AES, "block_cipher_mode": enums.BlockCipherMode.CBC, "padding_method": enums.PaddingMethod.PKCS5}, iv_counter_nonce=b"\x00" * 16)[0].hex())
        step("activate", lambda: c.activate(uid))
        step("state_active", lambda: str(c.get_attributes(uid, ["State"])[1][0].attribute_value))
        iv = bytes(range(16))
        ct = step("encrypt_cbc", lambda: c.encrypt(b"the database page", uid=uid, cryptographic_parameters={"cryptographic_algorithm": enums.CryptographicAlgorithm.AES, "block_cipher_mode": enums.BlockCipherMode.CBC, "padding_method": enums.PaddingMethod.PKCS5}, iv_counter_nonce=iv)[0].hex())
        step("decrypt_cbc", lambda: c.decrypt(bytes.fromhex(ct), uid=uid, cryptographic_parameters={"cryptographic_algorithm": enums.CryptographicAlgorithm.AES, "block_cipher_mode": enums.BlockCipherMode.CBC, "padding_method": enums.PaddingMethod.PKCS5}, iv_counter_nonce=iv).decode())
        step("get", lambda: (lambda k: {"type": type(k).__name__, "length": k.cryptographic_length, "material": k.value.hex()})(c.get(uid)))
        step("locate_by_name", lambda: c.locate(attributes=[c.attribute_factory.create_attribute(enums.AttributeType.NAME, "db-master")]))
        step("locate_all_aes_max2", lambda: c.locate(maximum_items=2, attributes=[c.attribute_factory.create_attribute(enums.AttributeType.CRYPTOGRAPHIC_ALGORITHM, enums.CryptographicAlgorithm.AES)]))
        reg = step("register", lambda: c.register(objects.SymmetricKey(enums.CryptographicAlgorithm.AES, 256, bytes(range(32)), name="registered")))
        step("register_get", lambda: c.get(reg).value.hex())
        pair = step("create_key_pair", lambda: c.create_key_pair(enums.CryptographicAlgorithm.EC, 256, public_name="sig-pub", private_name="sig-priv", public_usage_mask=[enums.CryptographicUsageMask.VERIFY], private_usage_mask=[enums.CryptographicUsageMask.SIGN]))
        if isinstance(pair, tuple):
            public_uid, private_uid = pair
            step("activate_pair", lambda: c.activate(private_uid))
            step("get_public", lambda: (lambda k: {"type": type(k).__name__, "format": str(k.key_format_type), "der": k.value.hex()})(c.get(public_uid)))
            step("get_private", lambda: c.get(private_uid).value.hex())
            sig = step("sign", lambda: c.sign(b"message to sign", uid=private_uid, cryptographic_parameters={"cryptographic_algorithm": enums.CryptographicAlgorithm.ECDSA, "hashing_algorithm": enums.HashingAlgorithm.SHA_256}).hex())
            step("verify_good", lambda: str(c.signature_verify(b"message to sign", bytes.fromhex(sig), uid=public_uid, cryptographic_parameters={"cryptographic_algorithm": enums.CryptographicAlgorithm.ECDSA, "hashing_algorithm": enums.HashingAlgorithm.SHA_256})))
            step("verify_bad", lambda: str(c.signature_verify(b"another message", bytes.fromhex(sig), uid=public_uid, cryptographic_parameters={"cryptographic_algorithm": enums.CryptographicAlgorithm.ECDSA, "hashing_algorithm": enums.HashingAlgorithm.SHA_256})))
        rsa = step("create_rsa", lambda: c.create_key_pair(enums.CryptographicAlgorithm.RSA, 2048, public_usage_mask=[enums.CryptographicUsageMask.VERIFY], private_usage_mask=[enums.CryptographicUsageMask.SIGN]))
        if isinstance(rsa, tuple):
            rsa_public, rsa_private = rsa
            step("activate_rsa", lambda: c.activate(rsa_private))
            step("rsa_public", lambda: c.get(rsa_public).value.hex())
            step("rsa_attributes", lambda: {a.attribute_name.value: str(a.attribute_value) for a in c.get_attributes(rsa_private, ["Cryptographic Algorithm", "Cryptographic Length"])[1]})
            step("rsa_sign_pss", lambda: c.sign(b"rsa message", uid=rsa_private, cryptographic_parameters={"cryptographic_algorithm": enums.CryptographicAlgorithm.RSA, "hashing_algorithm": enums.HashingAlgorithm.SHA_256, "padding_method": enums.PaddingMethod.PSS}).hex())
            step("rsa_sign_pkcs1", lambda: c.sign(b"rsa message", uid=rsa_private, cryptographic_parameters={"cryptographic_algorithm": enums.CryptographicAlgorithm.RSA, "hashing_algorithm": enums.HashingAlgorithm.SHA_256, "padding_method": enums.PaddingMethod.PKCS1v15}).hex())
        hm = step("create_hmac", lambda: c.create(enums.CryptographicAlgorithm.HMAC_SHA256, 256))
        step("activate_hmac", lambda: c.activate(hm))
        step("mac", lambda: [x.hex() if isinstance(x, bytes) else x for x in c.mac(b"payload", uid=hm, algorithm=enums.CryptographicAlgorithm.HMAC_SHA256)])
        step("revoke", lambda: c.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, uid, revocation_message="retired"))
        step("state_revoked", lambda: str(c.get_attributes(uid, ["State"])[1][0].attribute_value))
        step("destroy", lambda: c.destroy(uid))
        step("state_destroyed", lambda: str(c.get_attributes(uid, ["State"])[1][0].attribute_value))
        step("get_destroyed", lambda: c.get(uid).value.hex())
        step("get_missing", lambda: c.get("00000000-0000-4000-8000-000000000000").value.hex())
        out["uids"] = {"aes": uid, "registered": reg, "pair": list(pair) if isinstance(pair, tuple) else None, "hmac": hm}
    elif scenario == "register":
        # Keys made by node:crypto in the test (hex DER): a P-256 PKCS#8 key and an RSA-2048 PKCS#1 key.
        p256_pkcs8, rsa_pkcs1, node_ciphertext = bytes.fromhex(extra[0]), bytes.fromhex(extra[1]), bytes.fromhex(extra[2])
        ec = step("register_p256", lambda: c.register(objects.PrivateKey(enums.CryptographicAlgorithm.EC, 256, p256_pkcs8, enums.KeyFormatType.PKCS_8, masks=[enums.CryptographicUsageMask.SIGN], name="registered-p256")))
        step("activate_p256", lambda: c.activate(ec))
        step("sign_p256", lambda: c.sign(b"signed by a registered key", uid=ec, cryptographic_parameters={"cryptographic_algorithm": enums.CryptographicAlgorithm.ECDSA, "hashing_algorithm": enums.HashingAlgorithm.SHA_256}).hex())
        rsa = step("register_rsa", lambda: c.register(objects.PrivateKey(enums.CryptographicAlgorithm.RSA, 2048, rsa_pkcs1, enums.KeyFormatType.PKCS_1, masks=[enums.CryptographicUsageMask.DECRYPT, enums.CryptographicUsageMask.SIGN])))
        step("activate_rsa", lambda: c.activate(rsa))
        step("rsa_attributes", lambda: {a.attribute_name.value: str(a.attribute_value) for a in c.get_attributes(rsa, ["Cryptographic Algorithm", "Cryptographic Length", "Object Type"])[1]})
        oaep256 = {"cryptographic_algorithm": enums.CryptographicAlgorithm.RSA, "padding_method": enums.PaddingMethod.OAEP, "hashing_algorithm": enums.HashingAlgorithm.SHA_256}
        oaep1 = {"cryptographic_algorithm": enums.CryptographicAlgorithm.RSA, "padding_method": enums.PaddingMethod.OAEP, "hashing_algorithm": enums.HashingAlgorithm.SHA_1}
        step("encrypt_oaep_sha256", lambda: c.encrypt(b"data key for node", uid=rsa, cryptographic_parameters=oaep256)[0].hex())
        step("decrypt_oaep_sha1", lambda: c.decrypt(node_ciphertext, uid=rsa, cryptographic_parameters=oaep1).decode())
        step("sign_rsa_pss", lambda: c.sign(b"rsa registered", uid=rsa, cryptographic_parameters={"cryptographic_algorithm": enums.CryptographicAlgorithm.RSA, "hashing_algorithm": enums.HashingAlgorithm.SHA_256, "padding_method": enums.PaddingMethod.PSS}).hex())
        step("register_garbage", lambda: c.register(objects.PrivateKey(enums.CryptographicAlgorithm.EC, 256, b"\x30\x03\x02\x01\x00", enums.KeyFormatType.PKCS_8)))
        step("register_rsa_as_ec", lambda: c.register(objects.PrivateKey(enums.CryptographicAlgorithm.EC, 2048, rsa_pkcs1, enums.KeyFormatType.PKCS_1)))
        aes = step("create_aes", lambda: c.create(enums.CryptographicAlgorithm.AES, 256, name="to-rekey"))
        step("activate_aes", lambda: c.activate(aes))
        new = step("rekey", lambda: c.rekey(uid=aes))
        step("rekey_state", lambda: str(c.get_attributes(new, ["State"])[1][0].attribute_value))
        step("rekey_names", lambda: [str(a.attribute_value) for a in c.get_attributes(new, ["Name"])[1]])
        # PyKMIP cannot decode Link attribute values (NotImplementedError); test/integration/kmip-register-rekey.test.ts checks the links.
        step("rekey_again", lambda: c.rekey(uid=aes))
        out["uids"] = {"p256": ec, "rsa": rsa, "aes": aes, "rekeyed": new}
    elif scenario == "objects":
        # Secret Data, Opaque Object and Public Keys (made by node:crypto in the test: a P-256 SPKI and an
        # RSA-2048 PKCS#1 public key, with a signature node:crypto made over b"signed outside Strongbox").
        ec_spki, rsa_pkcs1, ec_sig = bytes.fromhex(extra[0]), bytes.fromhex(extra[1]), bytes.fromhex(extra[2])
        password = b"db password " + version.encode()
        sd = step("register_secret", lambda: c.register(objects.SecretData(password, enums.SecretDataType.PASSWORD, masks=[enums.CryptographicUsageMask.DERIVE_KEY], name="db-password-" + version)))
        step("get_secret", lambda: (lambda o: {"type": type(o).__name__, "data_type": str(o.data_type), "value": o.value.hex()})(c.get(sd)))
        step("secret_attributes", lambda: {a.attribute_name.value: str(a.attribute_value) for a in c.get_attributes(sd, ["Object Type", "State", "Name"])[1]})
        step("locate_secret_by_name", lambda: c.locate(attributes=[c.attribute_factory.create_attribute(enums.AttributeType.NAME, "db-password-" + version)]))
        step("locate_secret_by_type", lambda: c.locate(attributes=[c.attribute_factory.create_attribute(enums.AttributeType.OBJECT_TYPE, enums.ObjectType.SECRET_DATA)]))
        step("sign_with_secret", lambda: c.sign(b"x", uid=sd, cryptographic_parameters={"cryptographic_algorithm": enums.CryptographicAlgorithm.ECDSA, "hashing_algorithm": enums.HashingAlgorithm.SHA_256}).hex())
        op = step("register_opaque", lambda: c.register(objects.OpaqueObject(b"\x00opaque\xffbytes" + version.encode(), enums.OpaqueDataType.NONE, name="blob-" + version)))
        step("get_opaque", lambda: (lambda o: {"type": type(o).__name__, "value": o.value.hex()})(c.get(op)))
        step("locate_opaque_by_type", lambda: c.locate(attributes=[c.attribute_factory.create_attribute(enums.AttributeType.OBJECT_TYPE, enums.ObjectType.OPAQUE_DATA)]))
        pk = step("register_ec_public", lambda: c.register(objects.PublicKey(enums.CryptographicAlgorithm.EC, 256, ec_spki, enums.KeyFormatType.X_509, masks=[enums.CryptographicUsageMask.VERIFY], name="verifier-" + version)))
        step("get_ec_public", lambda: (lambda o: {"type": type(o).__name__, "format": str(o.key_format_type), "value": o.value.hex()})(c.get(pk)))
        step("activate_ec_public", lambda: c.activate(pk))
        ecdsa = {"cryptographic_algorithm": enums.CryptographicAlgorithm.ECDSA, "hashing_algorithm": enums.HashingAlgorithm.SHA_256}
        step("verify_good", lambda: str(c.signature_verify(b"signed outside Strongbox", ec_sig, uid=pk, cryptographic_parameters=ecdsa)))
        step("verify_bad", lambda: str(c.signature_verify(b"something else", ec_sig, uid=pk, cryptographic_parameters=ecdsa)))
        rk = step("register_rsa_public", lambda: c.register(objects.PublicKey(enums.CryptographicAlgorithm.RSA, 2048, rsa_pkcs1, enums.KeyFormatType.PKCS_1, masks=[enums.CryptographicUsageMask.ENCRYPT], name="rsa-pub-" + version)))
        step("get_rsa_public", lambda: c.get(rk).value.hex())
        step("activate_rsa_public", lambda: c.activate(rk))
        step("encrypt_rsa_public", lambda: c.encrypt(b"for the private key holder", uid=rk, cryptographic_parameters={"cryptographic_algorithm": enums.CryptographicAlgorithm.RSA, "padding_method": enums.PaddingMethod.OAEP, "hashing_algorithm": enums.HashingAlgorithm.SHA_256})[0].hex())
        step("locate_public_by_name", lambda: c.locate(attributes=[c.attribute_factory.create_attribute(enums.AttributeType.NAME, "verifier-" + version)]))
        step("destroy_secret", lambda: c.destroy(sd))
        step("get_secret_destroyed", lambda: c.get(sd).value.hex())
        step("destroy_opaque", lambda: c.destroy(op))
        step("get_opaque_destroyed", lambda: c.get(op).value.hex())
        step("revoke_ec_public", lambda: c.revoke(enums.RevocationReasonCode.CESSATION_OF_OPERATION, pk))
        step("destroy_ec_public", lambda: c.destroy(pk))
        step("get_ec_public_destroyed", lambda: c.get(pk).value.hex())
        out["uids"] = {"secret": sd, "opaque": op, "ec_public": pk, "rsa_public": rk}
    elif scenario == "weak":
        allowed, denied = extra[0], extra[1]
        step("get_attributes_allowed", lambda: str(c.get_attributes(allowed, ["State"])[1][0].attribute_value))
        step("get_attributes_denied", lambda: str(c.get_attributes(denied, ["State"])[1][0].attribute_value))
        step("encrypt_denied", lambda: c.encrypt(b"x" * 16, uid=denied, cryptographic_parameters={"cryptographic_algorithm": enums.CryptographicAlgorithm.AES, "block_cipher_mode": enums.BlockCipherMode.CBC, "padding_method": enums.PaddingMethod.PKCS5}, iv_counter_nonce=b"\x00" * 16)[0].hex())
        step("get_plaintext_allowed", lambda: c.get(allowed).value.hex())
        step("locate_all", lambda: c.locate())
        step("create", lambda: c.create(enums.CryptographicAlgorithm.AES, 256))
        if len(extra) >= 4:
            step("get_secret_allowed", lambda: c.get(extra[3]).value.hex())
            step("get_secret_denied", lambda: c.get(extra[2]).value.hex())
            step("register_secret", lambda: c.register(objects.SecretData(b"weak", enums.SecretDataType.PASSWORD)))
    elif scenario == "revoke":
        step("revoke", lambda: c.revoke(enums.RevocationReasonCode.KEY_COMPROMISE, extra[0], revocation_message="test: revoked"))
    elif scenario == "locate_name":
        step("locate", lambda: c.locate(attributes=[c.attribute_factory.create_attribute(enums.AttributeType.NAME, extra[0])]))
    elif scenario == "vendor_2_0":
        # PyKMIP's own 2.0 codec reads Get Attribute List's vendor Attribute References (keeping the
        # Attribute Name) and writes a Delete Attribute by a vendor Attribute Reference.
        uid = extra[0]
        step("attribute_list", lambda: sorted(c.get_attribute_list(uid)))
        step("delete_by_reference", lambda: c.delete_attribute(unique_identifier=uid, attribute_reference=cobjects.AttributeReference(vendor_identification="x", attribute_name=extra[1]))[0])
        step("attribute_list_after", lambda: sorted(c.get_attribute_list(uid)))
    elif scenario == "vendor_1_x":
        # The same attributes as 1.x Custom Attributes `x-…`; Delete Attribute answers the deleted attribute.
        uid = extra[0]
        step("get", lambda: [(a.attribute_name.value, str(a.attribute_value)) for a in c.get_attributes(uid, ["x-" + extra[1]])[1]])
        step("delete", lambda: (lambda r: [r[0], r[1].attribute_name.value, str(r[1].attribute_value)])(c.delete_attribute(unique_identifier=uid, attribute_name="x-" + extra[1])))
        step("get_after", lambda: [a.attribute_name.value for a in c.get_attributes(uid, ["x-" + extra[1]])[1]])
    elif scenario == "link":
        # Where PyKMIP stops when it meets a Link attribute: the frame that raised, in PyKMIP's own files.
        try:
            c.get_attributes(extra[0], ["Link"])
            out["link"] = "decoded"
        except Exception as e:  # noqa: BLE001 - reported to the test
            frame = traceback.extract_tb(e.__traceback__)[-1]
            out["link"] = {"error": type(e).__name__, "file": frame.filename, "line": frame.lineno, "code": frame.line}
    elif scenario == "unsupported":
        step("derive_key", lambda: c.derive_key(enums.ObjectType.SYMMETRIC_KEY, [extra[0]], enums.DerivationMethod.HASH, {"cryptographic_parameters": {"hashing_algorithm": enums.HashingAlgorithm.SHA_256}, "derivation_data": b"abc"}, cryptographic_length=256, cryptographic_algorithm=enums.CryptographicAlgorithm.AES))
        step("still_usable", lambda: str(c.get_attributes(extra[0], ["State"])[1][0].attribute_value))
finally:
    c.close()
print(json.dumps(out))
