//! The limits: files per message, bytes per file, empty files.

use native_files::{FileError, MAX_FILE_BYTES, MAX_FILES, check_count, prepare};

#[test]
fn a_seventh_file_is_refused() {
    assert_eq!(MAX_FILES, 6);
    for n in 0..=6 {
        assert!(check_count(n).is_ok(), "{n} files");
    }
    let err = check_count(7).unwrap_err();
    assert_eq!(err, FileError::TooManyFiles { count: 7, max: 6 });
    assert_eq!(
        err.to_string(),
        "at most 6 files can be attached to one message (7 were)"
    );
}

#[test]
fn eight_million_bytes_pass_and_one_more_does_not() {
    assert_eq!(MAX_FILE_BYTES, 8_000_000);
    let mut bytes = vec![b'a'; 8_000_000];
    let prepared = prepare("big.txt", &bytes).expect("at the limit");
    assert_eq!(prepared.meta.size, 8_000_000);
    assert_eq!(prepared.meta.chars, Some(8_000_000));
    bytes.push(b'a');
    let err = prepare("big.txt", &bytes).unwrap_err();
    assert_eq!(
        err,
        FileError::TooLarge {
            name: "big.txt".into(),
            size: 8_000_001,
            max: 8_000_000
        }
    );
    assert_eq!(
        err.to_string(),
        "“big.txt” is 8000001 bytes; a file can be at most 8000000 bytes"
    );
}

#[test]
fn the_size_limit_comes_before_looking_inside() {
    // Even a would-be PDF or image is refused on size alone.
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.resize(8_000_001, b' ');
    assert!(matches!(
        prepare("huge.pdf", &bytes),
        Err(FileError::TooLarge { .. })
    ));
}

#[test]
fn an_empty_file_is_refused() {
    assert_eq!(
        prepare("empty.txt", b"").unwrap_err(),
        FileError::Empty {
            name: "empty.txt".into()
        }
    );
}
