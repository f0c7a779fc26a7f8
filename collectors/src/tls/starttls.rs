//! In-band upgrades to TLS: the client side of SMTP, IMAP, POP3, FTP, LDAP,
//! PostgreSQL and XMPP STARTTLS. Every read is bounded; the caller bounds
//! the time.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::target::Starttls;
use crate::parse::der_write::{sequence, tlv};

/// Longest line or reply read during the upgrade.
const MAX_LINE: usize = 8 * 1024;
/// Most bytes read before the upgrade completes.
const MAX_PREAMBLE: usize = 64 * 1024;

/// The LDAP StartTLS extended operation OID.
const LDAP_STARTTLS_OID: &[u8] = b"1.3.6.1.4.1.1466.20037";

/// A STARTTLS upgrade that failed: the server refused, closed, or said
/// something else.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StarttlsError(String);

/// Runs the protocol's upgrade on a fresh connection. On success the next
/// bytes on `stream` are TLS.
pub async fn upgrade(
    stream: &mut TcpStream,
    protocol: Starttls,
    host: &str,
) -> Result<(), StarttlsError> {
    run_upgrade(stream, protocol, host)
        .await
        .map_err(StarttlsError)
}

async fn run_upgrade(stream: &mut TcpStream, protocol: Starttls, host: &str) -> Result<(), String> {
    let mut conn = Preamble {
        stream,
        read: 0,
        protocol,
    };
    match protocol {
        Starttls::Smtp => conn.smtp().await,
        Starttls::Imap => conn.imap().await,
        Starttls::Pop3 => conn.pop3().await,
        Starttls::Ftp => conn.ftp().await,
        Starttls::Ldap => conn.ldap().await,
        Starttls::Postgres => conn.postgres().await,
        Starttls::Xmpp => conn.xmpp(host).await,
    }
}

struct Preamble<'a> {
    stream: &'a mut TcpStream,
    read: usize,
    protocol: Starttls,
}

impl Preamble<'_> {
    async fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.stream
            .write_all(bytes)
            .await
            .map_err(|e| format!("{} STARTTLS: write failed: {e}", self.protocol))
    }

    async fn byte(&mut self) -> Result<u8, String> {
        self.read += 1;
        if self.read > MAX_PREAMBLE {
            return Err(format!(
                "{} STARTTLS: server sent over {MAX_PREAMBLE} bytes before the upgrade",
                self.protocol
            ));
        }
        self.stream.read_u8().await.map_err(|e| {
            if e.kind() == std::io::ErrorKind::UnexpectedEof {
                format!("{} STARTTLS: server closed the connection", self.protocol)
            } else {
                format!("{} STARTTLS: read failed: {e}", self.protocol)
            }
        })
    }

    /// Reads one CRLF- or LF-terminated line, byte by byte so that nothing
    /// after the upgrade reply is consumed.
    async fn line(&mut self) -> Result<String, String> {
        let mut line = Vec::new();
        loop {
            let b = self.byte().await?;
            if b == b'\n' {
                break;
            }
            line.push(b);
            if line.len() > MAX_LINE {
                return Err(format!(
                    "{} STARTTLS: line longer than {MAX_LINE} bytes",
                    self.protocol
                ));
            }
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Ok(String::from_utf8_lossy(&line).into_owned())
    }

    /// Reads an SMTP/FTP style reply (`code-text` continuation lines, then
    /// `code text`), returning the code and every line.
    async fn reply(&mut self) -> Result<(String, Vec<String>), String> {
        let mut lines = Vec::new();
        loop {
            let line = self.line().await?;
            let done = line.len() < 4 || line.as_bytes()[3] != b'-';
            lines.push(line);
            if done {
                break;
            }
        }
        let code = lines
            .last()
            .map_or("", |l| l.get(..3).unwrap_or(l))
            .to_string();
        Ok((code, lines))
    }

    fn refused(&self, what: &str, got: &str) -> String {
        format!(
            "{} STARTTLS: {what}; server said {:?}",
            self.protocol,
            truncate(got)
        )
    }

    async fn smtp(&mut self) -> Result<(), String> {
        let (code, lines) = self.reply().await?;
        if code != "220" {
            return Err(self.refused("no 220 greeting", &lines.join(" | ")));
        }
        self.send(b"EHLO pkimm.invalid\r\n").await?;
        let (code, lines) = self.reply().await?;
        if code != "250" {
            return Err(self.refused("EHLO rejected", &lines.join(" | ")));
        }
        if !lines.iter().any(|l| {
            l.get(4..)
                .is_some_and(|t| t.eq_ignore_ascii_case("STARTTLS"))
        }) {
            return Err(self.refused("STARTTLS not offered", &lines.join(" | ")));
        }
        self.send(b"STARTTLS\r\n").await?;
        let (code, lines) = self.reply().await?;
        if code != "220" {
            return Err(self.refused("STARTTLS rejected", &lines.join(" | ")));
        }
        Ok(())
    }

    async fn imap(&mut self) -> Result<(), String> {
        let greeting = self.line().await?;
        if !greeting.starts_with("* OK") {
            return Err(self.refused("no OK greeting", &greeting));
        }
        self.send(b"a1 STARTTLS\r\n").await?;
        loop {
            let line = self.line().await?;
            if let Some(status) = line.strip_prefix("a1 ") {
                return if status.starts_with("OK") {
                    Ok(())
                } else {
                    Err(self.refused("STARTTLS rejected", &line))
                };
            }
        }
    }

    async fn pop3(&mut self) -> Result<(), String> {
        let greeting = self.line().await?;
        if !greeting.starts_with("+OK") {
            return Err(self.refused("no +OK greeting", &greeting));
        }
        self.send(b"STLS\r\n").await?;
        let line = self.line().await?;
        if line.starts_with("+OK") {
            Ok(())
        } else {
            Err(self.refused("STLS rejected", &line))
        }
    }

    async fn ftp(&mut self) -> Result<(), String> {
        let (code, lines) = self.reply().await?;
        if code != "220" {
            return Err(self.refused("no 220 greeting", &lines.join(" | ")));
        }
        self.send(b"AUTH TLS\r\n").await?;
        let (code, lines) = self.reply().await?;
        if code == "234" {
            Ok(())
        } else {
            Err(self.refused("AUTH TLS rejected", &lines.join(" | ")))
        }
    }

    async fn ldap(&mut self) -> Result<(), String> {
        // ExtendedRequest { messageID 1, [APPLICATION 23] { [0] OID } }
        let request = sequence(&[&tlv(0x02, &[1]), &tlv(0x77, &tlv(0x80, LDAP_STARTTLS_OID))]);
        self.send(&request).await?;
        let response = self.ber_element().await?;
        // SEQUENCE { INTEGER id, [APPLICATION 24] { ENUMERATED resultCode, ... } }
        let code = find_ldap_result_code(&response)
            .ok_or_else(|| self.refused("unreadable ExtendedResponse", &hex::encode(&response)))?;
        if code == 0 {
            Ok(())
        } else {
            Err(format!(
                "ldap STARTTLS: server refused with LDAP result code {code}"
            ))
        }
    }

    /// Reads one BER element (definite length) from the stream.
    async fn ber_element(&mut self) -> Result<Vec<u8>, String> {
        let tag = self.byte().await?;
        if tag != 0x30 {
            return Err(format!(
                "ldap STARTTLS: not an LDAP message (first byte 0x{tag:02x})"
            ));
        }
        let first = self.byte().await?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 3 {
                return Err("ldap STARTTLS: unsupported BER length".to_string());
            }
            let mut len = 0usize;
            for _ in 0..count {
                len = len << 8 | usize::from(self.byte().await?);
            }
            len
        };
        if len > MAX_LINE {
            return Err(format!("ldap STARTTLS: response of {len} bytes"));
        }
        let mut body = Vec::with_capacity(len);
        for _ in 0..len {
            body.push(self.byte().await?);
        }
        Ok(body)
    }

    async fn postgres(&mut self) -> Result<(), String> {
        self.send(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]).await?;
        match self.byte().await? {
            b'S' => Ok(()),
            b'N' => Err("postgres STARTTLS: server does not accept SSL (answered N)".to_string()),
            other => Err(format!(
                "postgres STARTTLS: unexpected answer byte 0x{other:02x}"
            )),
        }
    }

    async fn xmpp(&mut self, host: &str) -> Result<(), String> {
        let open = format!(
            "<?xml version='1.0'?><stream:stream to='{host}' xmlns='jabber:client' \
             xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
        );
        self.send(open.as_bytes()).await?;
        let features = self
            .until(&["</stream:features>", "<stream:features/>"])
            .await?;
        if !features.contains("urn:ietf:params:xml:ns:xmpp-tls") {
            return Err(self.refused("starttls not offered", &features));
        }
        self.send(b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
            .await?;
        let answer = self.until(&["<proceed", "<failure"]).await?;
        if answer.contains("<proceed") {
            // Consume the rest of the <proceed .../> element.
            while self.byte().await? != b'>' {}
            Ok(())
        } else {
            Err(self.refused("starttls refused", &answer))
        }
    }

    async fn until(&mut self, markers: &[&str]) -> Result<String, String> {
        let mut text = Vec::new();
        loop {
            text.push(self.byte().await?);
            if markers.iter().any(|m| text.ends_with(m.as_bytes())) {
                return Ok(String::from_utf8_lossy(&text).into_owned());
            }
        }
    }
}

fn find_ldap_result_code(message: &[u8]) -> Option<u8> {
    // INTEGER messageID
    let (&tag, rest) = message.split_first()?;
    if tag != 0x02 {
        return None;
    }
    let (&len, rest) = rest.split_first()?;
    let rest = rest.get(usize::from(len)..)?;
    let (&tag, rest) = rest.split_first()?;
    if tag != 0x78 {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    if first >= 0x80 {
        rest = rest.get(usize::from(first & 0x7f)..)?;
    }
    match rest {
        [0x0a, 0x01, code, ..] => Some(*code),
        _ => None,
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(200).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldap_result_code() {
        let ok = [
            0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
        ];
        assert_eq!(find_ldap_result_code(&ok), Some(0));
        let refused = [
            0x02, 0x01, 0x01, 0x78, 0x81, 0x07, 0x0a, 0x01, 0x02, 0x04, 0x00,
        ];
        assert_eq!(find_ldap_result_code(&refused), Some(2));
        assert_eq!(find_ldap_result_code(&[0x04]), None);
    }
}
