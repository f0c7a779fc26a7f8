"""acme2certifier for the enrolment tests, from PyPI (this file must not be
named after the package, or it would shadow it).

serve CONFIG PORT
    Runs acme2certifier's WSGI application on 127.0.0.1:PORT with CONFIG.
issue DIRECTORY_URL NAME OUT
    Obtains one certificate for NAME over the real ACME protocol (account,
    order, HTTP-01 challenge answered, finalize) with the `acme` library
    acme2certifier depends on, and writes the full chain to OUT.
"""
import datetime
import os
import sys


def serve(config, port):
    os.environ["ACME_SRV_CONFIGFILE"] = config
    from wsgiref.simple_server import make_server

    from acme2certifier.share.acme2certifier_wsgi import application, get_handler_cls

    make_server("127.0.0.1", int(port), application, handler_class=get_handler_cls()).serve_forever()


def issue(directory_url, name, out):
    import josepy as jose
    from acme import challenges, client, crypto_util, messages
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    account_key = jose.JWKRSA(key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    net = client.ClientNetwork(account_key, user_agent="pkimm-test")
    acme = client.ClientV2(client.ClientV2.get_directory(directory_url, net), net=net)
    acme.new_account(
        messages.NewRegistration.from_data(email="pki@example.test", terms_of_service_agreed=True)
    )
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    order = acme.new_order(crypto_util.make_csr(key, [name]))
    for authorization in order.authorizations:
        for challenge in authorization.body.challenges:
            if isinstance(challenge.chall, challenges.HTTP01):
                acme.answer_challenge(challenge, challenge.chall.response(account_key))
    deadline = datetime.datetime.now() + datetime.timedelta(seconds=60)
    order = acme.poll_and_finalize(order, deadline)
    with open(out, "w", encoding="ascii") as f:
        f.write(order.fullchain_pem)


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "issue":
        issue(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
