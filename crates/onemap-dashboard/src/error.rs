//! The crate's errors: a small closed set that shells turn into `{code, message}`.

/// What can go wrong building the dashboard, the risk score, charts or slides.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request itself is wrong (an unknown chart, a bad date or language).
    #[error("{0}")]
    Invalid(String),
    /// The named thing does not exist (a unit code, a slide number).
    #[error("{0}")]
    NotFound(String),
    /// The store holds no complete administrative tree yet (districts, streets, communities,
    /// sub-grids), so coverage, ratings and risk cannot be computed.
    #[error(
        "the store holds no complete administrative tree (districts, streets, communities, sub-grids): load the dataset first (`onemap db init`)"
    )]
    NoAtlas,
    /// No font that draws Chinese was found for PNG output.
    #[error(
        "no CJK font found for PNG output: install Debian's fonts-noto-cjk, or point ONEMAP_CJK_FONT at a .ttf/.otf/.ttc that has Simplified Chinese (looked in: {0})"
    )]
    NoFont(String),
    /// Drawing failed.
    #[error("drawing: {0}")]
    Draw(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] onemap::Error),
}

impl Error {
    /// The closed code shells switch on: `invalid`, `not_found`, `no_atlas`, `no_font` or
    /// `internal`; a store error keeps the store's code.
    ///
    /// ```
    /// let e = onemap_dashboard::Error::Invalid("bad".into());
    /// assert_eq!(e.code(), "invalid");
    /// ```
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid",
            Error::NotFound(_) => "not_found",
            Error::NoAtlas => "no_atlas",
            Error::NoFont(_) => "no_font",
            Error::Draw(_) => "internal",
            Error::Store(e) => e.code().as_str(),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
