//! The `message` ({ID, EN}) of every response code the simulator emits.
//!
//! 0 and 4, 299 and 300 carry the documented wording; the others are the
//! simulator's own clear wording (the documentation fixes no other message).

use ppob_core::model::Message;

/// Every code the simulator emits, with its Indonesian and English message.
pub const MESSAGES: &[(i64, &str, &str)] = &[
    (
        0,
        "Transaksi Anda Telah Berhasil",
        "Your transaction was successful",
    ),
    (
        4,
        "Transaksi Anda Telah Berhasil",
        "Your transaction was successful",
    ),
    (
        100,
        "Transaksi gagal karena kendala operator",
        "Transaction failed: operator issue",
    ),
    (
        102,
        "Transaksi duplikat: refNumber sudah digunakan",
        "Duplicate transaction: refNumber already used",
    ),
    (104, "Nominal tidak valid", "Invalid amount"),
    (
        105,
        "Pelanggan diblokir oleh biller",
        "Customer blocked by the biller",
    ),
    (
        106,
        "Tagihan melebihi batas maksimum",
        "Bill exceeds the maximum",
    ),
    (
        108,
        "Transaksi duplikat: refNumber sudah digunakan",
        "Duplicate transaction: refNumber already used",
    ),
    (
        114,
        "Nominal tidak sesuai dengan inkuiri",
        "Amount does not match the inquiry",
    ),
    (110, "Produk tidak tersedia", "Product unavailable"),
    (
        111,
        "Transaksi melebihi batas maksimum",
        "Transaction exceeds the maximum",
    ),
    (180, "Permintaan tidak valid", "Invalid request"),
    (188, "Transaksi tidak ditemukan", "Transaction not found"),
    (
        198,
        "Transaksi digagalkan manual",
        "Transaction failed manually",
    ),
    (199, "Kesalahan umum", "General error"),
    (
        299,
        "Transaksi sedang dalam proses",
        "Your transaction is processing",
    ),
    (300, "Inkuiri berhasil", "Inquiry is successful"),
    (
        301,
        "Tagihan melewati batas waktu yang diizinkan",
        "Bill older than allowed",
    ),
    (302, "Tagihan sudah terbayar", "Bill already paid"),
    (303, "Tagihan tidak tersedia", "Bill not available"),
    (304, "Nomor pelanggan salah", "Wrong account number"),
    (
        305,
        "Gangguan pada penyedia layanan, silakan coba lagi",
        "Provider disruption, please try again later",
    ),
    (306, "ID pelanggan salah", "Wrong customer id"),
    (307, "ID pelanggan salah", "Wrong customer id"),
    (308, "ID pelanggan salah", "Wrong customer id"),
    (309, "Tagihan sudah terbayar", "Bill already paid"),
    (
        310,
        "Sedang jam cut-off, silakan coba lagi nanti",
        "Cut-off time, please try again later",
    ),
    (311, "Produk tidak tersedia", "Product unavailable"),
    (
        312,
        "Inkuiri kedaluwarsa, silakan ulangi inkuiri",
        "Inquiry expired, please inquire again",
    ),
    (
        313,
        "Pembayaran tidak sesuai dengan inkuiri",
        "Payment does not match the inquiry",
    ),
    (317, "Produk tidak tersedia", "Product unavailable"),
    (323, "Produk tidak tersedia", "Product unavailable"),
];

/// The message of `code`; a generic one for a code outside the table.
pub fn message(code: i64) -> Message {
    match MESSAGES.iter().find(|(c, _, _)| *c == code) {
        Some((_, id, en)) => Message {
            id: (*id).to_owned(),
            en: (*en).to_owned(),
        },
        None => Message {
            id: format!("Kode respons {code}"),
            en: format!("Response code {code}"),
        },
    }
}

/// The message of `code` with a detail appended to both languages, e.g.
/// "Invalid request: field `amount` …".
pub fn message_with(code: i64, detail_id: &str, detail_en: &str) -> Message {
    let mut m = message(code);
    m.id.push_str(": ");
    m.id.push_str(detail_id);
    m.en.push_str(": ");
    m.en.push_str(detail_en);
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use ppob_core::model::response_code::is_documented;

    #[test]
    fn documented_wording_for_0_299_300() {
        assert_eq!(message(0).id, "Transaksi Anda Telah Berhasil");
        assert_eq!(message(4).id, "Transaksi Anda Telah Berhasil");
        assert_eq!(message(299).id, "Transaksi sedang dalam proses");
        assert_eq!(message(300).en, "Inquiry is successful");
    }

    #[test]
    fn every_emitted_code_is_documented_and_listed_once() {
        for (i, (code, id, en)) in MESSAGES.iter().enumerate() {
            assert!(is_documented(*code), "{code}");
            assert!(!id.is_empty() && !en.is_empty());
            assert!(
                MESSAGES[..i].iter().all(|(c, _, _)| c != code),
                "{code} twice"
            );
        }
    }

    #[test]
    fn details_are_appended_in_both_languages() {
        let m = message_with(180, "kolom `amount`", "field `amount`");
        assert_eq!(m.en, "Invalid request: field `amount`");
        assert!(m.id.ends_with("kolom `amount`"));
        assert_eq!(message(777).en, "Response code 777");
    }
}
