//! Images: decode (first frame), turn upright, downscale, re-encode.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::FilterType;
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

use crate::FileError;
use crate::detect::ImageKind;
use crate::error::display_name;
use crate::{MAX_DECODED_IMAGE_SIDE, MAX_IMAGE_SIDE};

/// Decoders may allocate at most this much (the image crate's default).
const MAX_DECODE_ALLOC: u64 = 512 * 1024 * 1024;
/// JPEG quality of re-encoded opaque images.
const JPEG_QUALITY: u8 = 85;

/// A re-encoded image.
#[derive(Debug)]
pub(crate) struct Image {
    pub(crate) mime: &'static str,
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) bytes: Vec<u8>,
}

/// Why an image was rejected, before the file's name is attached.
#[derive(Debug)]
pub(crate) enum Failure {
    Unreadable,
    TooLarge { width: u32, height: u32 },
}

impl Failure {
    pub(crate) fn named(self, name: &str) -> FileError {
        let name = display_name(name);
        match self {
            Failure::Unreadable => FileError::ImageUnreadable { name },
            Failure::TooLarge { width, height } => FileError::ImageTooLarge {
                name,
                width,
                height,
                max: MAX_DECODED_IMAGE_SIDE,
            },
        }
    }
}

fn format(kind: ImageKind) -> ImageFormat {
    match kind {
        ImageKind::Png => ImageFormat::Png,
        ImageKind::Jpeg => ImageFormat::Jpeg,
        ImageKind::Gif => ImageFormat::Gif,
        ImageKind::Webp => ImageFormat::WebP,
    }
}

pub(crate) fn prepare(kind: ImageKind, bytes: &[u8]) -> Result<Image, Failure> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format(kind));
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|_| Failure::Unreadable)?;
    let (width, height) = decoder.dimensions();
    if width > MAX_DECODED_IMAGE_SIDE || height > MAX_DECODED_IMAGE_SIDE {
        return Err(Failure::TooLarge { width, height });
    }
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        ImageError::Limits(_) => Failure::TooLarge { width, height },
        _ => Failure::Unreadable,
    })?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    let (w, h) = fit(image.width(), image.height(), MAX_IMAGE_SIDE);
    if (w, h) != (image.width(), image.height()) {
        image = image.resize_exact(w, h, FilterType::Lanczos3);
    }
    encode(image)
}

/// The size that fits `max` on the long side, keeping the aspect ratio
/// (rounded, at least 1 px); unchanged when it already fits.
pub(crate) fn fit(width: u32, height: u32, max: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= max {
        return (width, height);
    }
    let scale = |side: u32| {
        let scaled = (u64::from(side) * u64::from(max) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled).unwrap_or(max).clamp(1, max)
    };
    (scale(width), scale(height))
}

/// PNG when some pixel is not fully opaque, JPEG otherwise.
fn encode(image: DynamicImage) -> Result<Image, Failure> {
    let (width, height) = (image.width(), image.height());
    let mut bytes = Vec::new();
    let translucent = image.color().has_alpha() && {
        let rgba = image.to_rgba8();
        rgba.pixels().any(|p| p.0[3] < u8::MAX)
    };
    let mime = if translucent {
        let encoder =
            PngEncoder::new_with_quality(&mut bytes, CompressionType::Default, PngFilter::Adaptive);
        image
            .to_rgba8()
            .write_with_encoder(encoder)
            .map_err(|_| Failure::Unreadable)?;
        "image/png"
    } else {
        let encoder = JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY);
        image
            .to_rgb8()
            .write_with_encoder(encoder)
            .map_err(|_| Failure::Unreadable)?;
        "image/jpeg"
    };
    Ok(Image {
        mime,
        width,
        height,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_keeps_the_aspect_ratio() {
        assert_eq!(fit(3000, 1000, 1568), (1568, 523));
        assert_eq!(fit(1000, 3000, 1568), (523, 1568));
        assert_eq!(fit(1568, 10, 1568), (1568, 10));
        assert_eq!(fit(800, 600, 1568), (800, 600));
        assert_eq!(fit(100_000, 1, 1568), (1568, 1));
        assert_eq!(fit(4000, 4000, 1568), (1568, 1568));
    }
}
