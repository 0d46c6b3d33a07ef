//! Certificates made on the fly for one control plane: a CA, the API server's serving
//! certificate for 127.0.0.1, client certificates for users, and the service-account key.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    SanType,
};

pub struct Authority {
    issuer: Issuer<'static, KeyPair>,
    pub ca_pem: String,
}

/// A certificate and its private key, both PEM.
pub struct Pair {
    pub cert: String,
    pub key: String,
}

impl Authority {
    pub fn new() -> Authority {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "kubectl-storage-e2e-ca");
        let key = KeyPair::generate().unwrap();
        let ca_pem = params.self_signed(&key).unwrap().pem();
        Authority {
            issuer: Issuer::new(params, key),
            ca_pem,
        }
    }

    /// The API server's serving certificate.
    pub fn server(&self) -> Pair {
        let mut params =
            CertificateParams::new(vec!["localhost".to_owned(), "kubernetes".to_owned()]).unwrap();
        params
            .subject_alt_names
            .push(SanType::IpAddress([127, 0, 0, 1].into()));
        params
            .distinguished_name
            .push(DnType::CommonName, "kube-apiserver");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        self.sign(params)
    }

    /// A client certificate: the API server reads the user from the common name and the
    /// group from the organization.
    pub fn client(&self, user: &str, group: Option<&str>) -> Pair {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, user);
        if let Some(group) = group {
            params
                .distinguished_name
                .push(DnType::OrganizationName, group);
        }
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        self.sign(params)
    }

    fn sign(&self, params: CertificateParams) -> Pair {
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Pair {
            cert: cert.pem(),
            key: key.serialize_pem(),
        }
    }
}

/// The key that signs service-account tokens and its public half that verifies them (PEM).
pub fn service_account_key() -> Pair {
    let key = KeyPair::generate().unwrap();
    Pair {
        cert: key.public_key_pem(),
        key: key.serialize_pem(),
    }
}
