//! A small keep-alive HTTP/1.1 client over hyper's connection API, for `onemap simulate`: one
//! connection per simulated client, requests one after the other on it, as a real intake system
//! or a load generator does. Plain `http://` on the loopback or a LAN (OneMap makes no request
//! to the internet).

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

/// Where the server is: `http://HOST:PORT/PREFIX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// `host:port`.
    pub authority: String,
    /// The path prefix, without a trailing slash (`""` or `/onemap`).
    pub prefix: String,
}

impl Base {
    /// Parses `http://host:port[/prefix]`.
    ///
    /// # Errors
    /// For anything but a plain `http://` URL.
    pub fn parse(url: &str) -> anyhow::Result<Base> {
        let Some(rest) = url.strip_prefix("http://") else {
            bail!("{url:?}: give an http:// URL of the server (e.g. http://127.0.0.1:8730/)");
        };
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        if authority.is_empty() {
            bail!("{url:?} names no host");
        }
        let authority = if authority.contains(':') {
            authority.to_string()
        } else {
            format!("{authority}:80")
        };
        let prefix = path.trim_end_matches('/');
        Ok(Base {
            authority,
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("/{prefix}")
            },
        })
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Body.
    pub body: Bytes,
}

/// One keep-alive connection.
pub struct Client {
    base: Base,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Client {
    /// A client for `base` (connects on first use).
    pub fn new(base: Base) -> Client {
        Client { base, sender: None }
    }

    async fn connect(&mut self) -> anyhow::Result<&mut SendRequest<Full<Bytes>>> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = tokio::net::TcpStream::connect(&self.base.authority)
                .await
                .with_context(|| format!("connecting to {}", self.base.authority))?;
            stream.set_nodelay(true)?;
            let (sender, conn) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            self.sender = Some(sender);
        }
        self.sender.as_mut().context("no connection")
    }

    /// Sends one request; `path` is relative to the base (`open311/v2/requests.json`).
    ///
    /// # Errors
    /// When the connection fails (the next call reconnects).
    pub async fn send(
        &mut self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> anyhow::Result<Answer> {
        let uri = format!("{}/{}", self.base.prefix, path.trim_start_matches('/'));
        let mut req = hyper::Request::builder()
            .method(method)
            .uri(uri)
            .header("host", &self.base.authority);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(body))?;
        let sender = self.connect().await?;
        sender.ready().await?;
        let result = sender.send_request(req).await;
        let res = match result {
            Ok(r) => r,
            Err(e) => {
                self.sender = None;
                return Err(e.into());
            }
        };
        let status = res.status().as_u16();
        let body = res.into_body().collect().await?.to_bytes();
        Ok(Answer { status, body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_splits_into_authority_and_prefix() {
        let b = Base::parse("http://127.0.0.1:8730/").expect("url");
        assert_eq!(b.authority, "127.0.0.1:8730");
        assert_eq!(b.prefix, "");
        let b = Base::parse("http://cc.local/onemap/").expect("url");
        assert_eq!(b.authority, "cc.local:80");
        assert_eq!(b.prefix, "/onemap");
        assert!(Base::parse("https://example.org/").is_err());
    }
}
