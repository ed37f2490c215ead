//! The HJ 212 CRC16 over a frame's data segment (cems.md "HJ 212-2017 frames").
//!
//! It is not CRC-16/MODBUS: the register is shifted right by 8 before each byte is XORed in
//! (`reg = (reg >> 8) ^ byte`), then the usual 8 right shifts with 0xA001. Public parsers call it
//! "CRC16_GB212"; the tests check it against frames they publish.

/// The CRC16 of `data` as HJ 212-2017 defines it.
pub fn crc16(data: &[u8]) -> u16 {
    let mut register: u16 = 0xFFFF;
    for &byte in data {
        register = (register >> 8) ^ u16::from(byte);
        for _ in 0..8 {
            let carry = register & 1;
            register >>= 1;
            if carry == 1 {
                register ^= 0xA001;
            }
        }
    }
    register
}

const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";

/// The CRC as a frame carries it: 4 uppercase hex digits.
pub fn crc16_hex(data: &[u8]) -> [u8; 4] {
    let crc = crc16(data);
    [
        HEX_DIGITS[usize::from(crc >> 12)],
        HEX_DIGITS[usize::from((crc >> 8) & 0xF)],
        HEX_DIGITS[usize::from((crc >> 4) & 0xF)],
        HEX_DIGITS[usize::from(crc & 0xF)],
    ]
}

/// Reads 4 hex digits as a frame's CRC. Lowercase is accepted because several public
/// implementations send it (alltobs-hj212's README example ends in `7d00`).
pub fn parse_crc_hex(digits: &[u8]) -> Option<u16> {
    if digits.len() != 4 {
        return None;
    }
    digits.iter().try_fold(0u16, |acc, &digit| {
        let nibble = (digit as char).to_digit(16)?;
        Some(acc << 4 | nibble as u16)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Data segments and the CRC their publishers printed beside them. The CRC of each was
    /// computed by the publisher's own implementation, not by this code.
    const PUBLISHED: &[(&str, &str, &str)] = &[
        (
            // 1249993110/IceCoffee.HJ212, README.md and Test/Program.cs (CN 2061 hourly data).
            "IceCoffee.HJ212 README",
            "QN=20190925181031464;ST=22;CN=2061;PW=BF470F88957588DE902D1A52;MN=Z13401000010301;Flag=5;CP=&&DataTime=20190924220000;a34006-Avg=2.69700,a34006-Flag=N;a34007-Avg=7.96600,a34007-Flag=N;a34048-Avg=3.30600,a34048-Flag=N;a34047-Avg=7.35700,a34047-Flag=N;a34049-Avg=10.66300,a34049-Flag=N&&",
            "C181",
        ),
        (
            // chenqi92/alltobs-hj212, README.md "数据包中CP不转换" (CN 2011, printed as 7d00).
            "alltobs-hj212 README",
            "QN=20210301111100112;ST=21;CN=2011;PW=123456;MN=ZLDSZ20210127;Flag=8;CP=&&DataTime=20210301111100;w01001-Rtd=8.33,w01001-Flag=N;w01009-Rtd=10.15,w01009-Flag=N;w01010-Rtd=9.7,w01010-Flag=N;w01014-Rtd=1425,w01014-Flag=N;w01003-Rtd=13.10,w01003-Flag=N;w21011-Rtd=0,w21011-Flag=N;w21001-Rtd=3.563168,w21001-Flag=N;w21003-Rtd=0.09055002,w21003-Flag=N;w01019-Rtd=4.102818,w01019-Flag=N;w01008-Rtd=0,w01008-Flag=N;w23002-Rtd=0,w23002-Flag=N&&",
            "7D00",
        ),
        (
            // forum.wareexpress.com thread tid=6952 (2022-11-23), "HJ212 CRC16校验方法":
            // "计算结果应该为 6E80".
            "wareexpress forum",
            "QN=20210320163101890;ST=32;CN=2011;PW=123456;MN=81733553213013;Flag=4;CP=&&DataTime=20210320013400;w00000-Rtd=181.682,w00000-Flag=N;w21001-SampleTime=20210320005400,w21001-Rtd=45.160,w21001-Flag=N;w21011-SampleTime=20210320013400,w21011-Rtd=1.970,w21011-Flag=N;w21003-SampleTime=20210320013400,w21003-Rtd=53.131,w21003-Flag=N;w01018-SampleTime=20210320013400,w01018-Rtd=194.200,w01018-Flag=N;w01001-SampleTime=20210320013406,w01001-Rtd=7.496,w01001-Flag=N&&",
            "6E80",
        ),
        (
            // A public Go hj212 parser's parse_test.go (koulei, 2023-03-08): a CN 2051 minute
            // frame `##0411…&&D641`.
            "Go hj212 parse_test.go",
            "QN=20220513162608370;ST=22;CN=2051;PW=123456;MN=JLYP01_AIR01_0001;Flag=4;CP=&&DataTime=20220513162600;a21004-Avg=4,a21004-Flag=N;a05024-Avg=63,a05024-Flag=N;a21026-Avg=6,a21026-Flag=N;a21005-Avg=0.427,a21005-Flag=N;a34004-Avg=14,a34004-Flag=N;a34002-Avg=31,a34002-Flag=N;a01007-Avg=1,a01007-Flag=N;a01008-Avg=11,a01008-Flag=N;a01001-Avg=17,a01001-Flag=N;a01002-Avg=85,a01002-Flag=N;a01006-Avg=95,a01006-Flag=N&&",
            "D641",
        ),
    ];

    #[test]
    fn matches_frames_published_by_public_hj212_implementations() {
        for (source, data, expected) in PUBLISHED {
            let got = crc16_hex(data.as_bytes());
            assert_eq!(
                std::str::from_utf8(&got).unwrap(),
                *expected,
                "CRC of the frame from {source}"
            );
            assert_eq!(
                parse_crc_hex(expected.as_bytes()),
                Some(crc16(data.as_bytes()))
            );
        }
    }

    #[test]
    fn empty_data_leaves_the_register_at_its_start_value() {
        // No byte processed: the register is never shifted.
        assert_eq!(crc16(b""), 0xFFFF);
    }

    #[test]
    fn hex_is_read_in_either_case_and_refused_otherwise() {
        assert_eq!(parse_crc_hex(b"7d00"), Some(0x7D00));
        assert_eq!(parse_crc_hex(b"7D00"), Some(0x7D00));
        assert_eq!(parse_crc_hex(b"7D0G"), None);
        assert_eq!(parse_crc_hex(b"7D0"), None);
        assert_eq!(parse_crc_hex(b"+D00"), None);
    }
}
