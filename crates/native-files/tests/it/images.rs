//! Images: downscaling, re-encoding, the first frame, EXIF orientation.

use std::io::Cursor;

use image::codecs::gif::GifEncoder;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{
    Delay, DynamicImage, Frame, ImageEncoder, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage,
};
use native_files::{FileError, FileMeta, MAX_IMAGE_SIDE, PreparedContent, prepare};

struct Out {
    meta: FileMeta,
    mime: String,
    width: u32,
    height: u32,
    bytes: Vec<u8>,
}

fn image_of(name: &str, bytes: &[u8]) -> Out {
    let prepared = prepare(name, bytes).expect("prepared");
    let PreparedContent::Image {
        mime,
        width,
        height,
        bytes,
    } = prepared.content
    else {
        panic!("{name} is an image");
    };
    Out {
        meta: prepared.meta,
        mime,
        width,
        height,
        bytes,
    }
}

fn decode(out: &Out) -> DynamicImage {
    image::load_from_memory(&out.bytes).expect("output decodes")
}

fn gradient(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    })
}

fn encoded(image: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), format)
        .expect("encodes");
    bytes
}

#[test]
fn a_png_with_alpha_is_downscaled_and_stays_png() {
    let png = RgbaImage::from_fn(3000, 1000, |x, _| Rgba([255, 0, 0, (x % 256) as u8]));
    let bytes = encoded(&png.into(), ImageFormat::Png);
    let out = image_of("wide.png", &bytes);
    assert_eq!((out.width, out.height), (1568, 523));
    assert_eq!(out.mime, "image/png");
    assert_eq!(out.meta.mime, "image/png");
    assert_eq!(out.meta.size, bytes.len() as u64);
    assert_eq!((out.meta.pages, out.meta.chars), (None, None));
    let back = decode(&out);
    assert_eq!((back.width(), back.height()), (1568, 523));
    assert!(back.color().has_alpha());
    assert_eq!(
        image::guess_format(&out.bytes).expect("format"),
        ImageFormat::Png
    );
}

#[test]
fn an_opaque_png_becomes_jpeg() {
    let opaque = RgbaImage::from_pixel(2000, 2000, Rgba([10, 200, 30, 255]));
    let out = image_of("square.png", &encoded(&opaque.into(), ImageFormat::Png));
    assert_eq!(out.mime, "image/jpeg");
    assert_eq!(out.meta.mime, "image/png");
    assert_eq!((out.width, out.height), (MAX_IMAGE_SIDE, MAX_IMAGE_SIDE));
    assert_eq!(
        image::guess_format(&out.bytes).expect("format"),
        ImageFormat::Jpeg
    );
}

#[test]
fn a_small_jpeg_keeps_its_size() {
    let jpeg = encoded(&gradient(640, 480).into(), ImageFormat::Jpeg);
    let out = image_of("photo.jpeg", &jpeg);
    assert_eq!((out.width, out.height), (640, 480));
    assert_eq!(
        (out.mime.as_str(), out.meta.mime.as_str()),
        ("image/jpeg", "image/jpeg")
    );
    let back = decode(&out);
    assert_eq!((back.width(), back.height()), (640, 480));
}

#[test]
fn a_tall_jpeg_is_downscaled() {
    let jpeg = encoded(&gradient(1200, 4000).into(), ImageFormat::Jpeg);
    let out = image_of("tall.jpg", &jpeg);
    assert_eq!((out.width, out.height), (470, 1568));
}

#[test]
fn exif_orientation_is_applied() {
    // Orientation 6: the stored 40×20 pixels are shown rotated to 20×40.
    let exif: &[u8] = b"MM\x00\x2A\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00";
    let mut jpeg = Vec::new();
    let mut encoder = JpegEncoder::new_with_quality(&mut jpeg, 90);
    encoder.set_exif_metadata(exif.to_vec()).expect("exif");
    encoder
        .write_image(
            gradient(40, 20).as_raw(),
            40,
            20,
            image::ExtendedColorType::Rgb8,
        )
        .expect("encodes");
    let out = image_of("rotated.jpg", &jpeg);
    assert_eq!((out.width, out.height), (20, 40));
}

#[test]
fn a_gif_gives_its_first_frame() {
    let mut gif = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut gif);
        for color in [[255, 0, 0, 255], [0, 0, 255, 255]] {
            let frame = Frame::from_parts(
                RgbaImage::from_pixel(64, 32, Rgba(color)),
                0,
                0,
                Delay::from_numer_denom_ms(100, 1),
            );
            encoder.encode_frame(frame).expect("frame");
        }
    }
    let out = image_of("anim.gif", &gif);
    assert_eq!(out.meta.mime, "image/gif");
    assert_eq!((out.width, out.height), (64, 32));
    assert_eq!(out.mime, "image/jpeg");
    let first = decode(&out).to_rgb8();
    let px = first.get_pixel(10, 10).0;
    assert!(px[0] > 200 && px[2] < 60, "the red first frame, got {px:?}");
}

#[test]
fn a_webp_is_decoded_and_reencoded() {
    let mut webp = Vec::new();
    let image = RgbaImage::from_fn(2000, 500, |x, _| {
        Rgba([0, 0, 0, if x < 1000 { 255 } else { 0 }])
    });
    WebPEncoder::new_lossless(&mut webp)
        .write_image(image.as_raw(), 2000, 500, image::ExtendedColorType::Rgba8)
        .expect("encodes");
    let out = image_of("sticker.webp", &webp);
    assert_eq!(out.meta.mime, "image/webp");
    assert_eq!((out.width, out.height), (1568, 392));
    assert_eq!(out.mime, "image/png");
}

#[test]
fn a_png_named_jpg_is_still_a_png() {
    let png = encoded(&gradient(10, 10).into(), ImageFormat::Png);
    let out = image_of("misnamed.jpg", &png);
    assert_eq!(out.meta.mime, "image/png");
}

#[test]
fn a_truncated_image_is_a_clear_error() {
    let png = encoded(&gradient(300, 300).into(), ImageFormat::Png);
    let err = prepare("cut.png", &png[..png.len() / 2]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "“cut.png” is an image that could not be read (it may be damaged)"
    );
}

#[test]
fn an_image_declaring_huge_dimensions_is_refused_before_decoding() {
    // A valid PNG header claiming 100000×100000 pixels.
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(&[0u8; 3], 1, 1, image::ExtendedColorType::Rgb8)
        .expect("encodes");
    png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    let err = prepare("huge.png", &png).unwrap_err();
    assert_eq!(
        err,
        FileError::ImageTooLarge {
            name: "huge.png".into(),
            width: 100_000,
            height: 100_000,
            max: 16_384
        }
    );
}

/// The PNG chunk checksum.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
