//! Variant kanji (異体字): the table that maps each variant or old form to one canonical form, so that
//! a name registered as 髙橋 is found by 高橋 and the other way round (requirements SRCH-1, "variant
//! kanji ... in either direction").
//!
//! The canonical form is the everyday one: the 新字体 of an old form, the commoner spelling of a name
//! variant; where both are in everyday use (籠/篭, 檜/桧, 槇/槙) it is the simpler or the one named
//! second there. The direction only has to be the same on the index side and the query side, which
//! it is because both call [`crate::fold`]. Changing the table changes the index: bump
//! [`crate::FOLD_VERSION`].
//!
//! Only whole-character substitutions belong here. Ideographic variation sequences (a base kanji plus
//! a selector U+E0100–E01EF) are handled in `fold` by dropping the selector; CJK compatibility
//! ideographs (U+F900–FAFF) are mapped by NFKC in `fold` and by [`canonical_kanji`] for callers that
//! fold single characters.

use unicode_normalization::char::decompose_canonical;

/// `(variant, canonical)`, sorted by variant so that lookup is a binary search. Every canonical form
/// is NFKC-stable and is not itself a variant (so folding is idempotent); the tests check both.
const VARIANTS: &[(char, char)] = &[
    ('\u{4E58}', '\u{4E57}'),  // 乘 → 乗 old form (旧字体)
    ('\u{4E82}', '\u{4E71}'),  // 亂 → 乱 old form (旧字体)
    ('\u{4E9E}', '\u{4E9C}'),  // 亞 → 亜 old form (旧字体)
    ('\u{4F5B}', '\u{4ECF}'),  // 佛 → 仏 old form (旧字体)
    ('\u{4F86}', '\u{6765}'),  // 來 → 来 name variant
    ('\u{5047}', '\u{4EEE}'),  // 假 → 仮 old form (旧字体)
    ('\u{50B3}', '\u{4F1D}'),  // 傳 → 伝 old form (旧字体)
    ('\u{50F9}', '\u{4FA1}'),  // 價 → 価 old form (旧字体)
    ('\u{5109}', '\u{5039}'),  // 儉 → 倹 old form (旧字体)
    ('\u{5152}', '\u{5150}'),  // 兒 → 児 old form (旧字体)
    ('\u{5169}', '\u{4E21}'),  // 兩 → 両 old form (旧字体)
    ('\u{51A8}', '\u{5BCC}'),  // 冨 → 富 name variant
    ('\u{51DC}', '\u{51DB}'),  // 凜 → 凛 name variant
    ('\u{5269}', '\u{5270}'),  // 剩 → 剰 old form (旧字体)
    ('\u{528D}', '\u{5263}'),  // 劍 → 剣 old form (旧字体)
    ('\u{52DE}', '\u{52B4}'),  // 勞 → 労 old form (旧字体)
    ('\u{52F3}', '\u{52F2}'),  // 勳 → 勲 old form (旧字体)
    ('\u{52F5}', '\u{52B1}'),  // 勵 → 励 old form (旧字体)
    ('\u{52F8}', '\u{52E7}'),  // 勸 → 勧 old form (旧字体)
    ('\u{5340}', '\u{533A}'),  // 區 → 区 old form (旧字体)
    ('\u{5377}', '\u{5DFB}'),  // 卷 → 巻 old form (旧字体)
    ('\u{53C3}', '\u{53C2}'),  // 參 → 参 old form (旧字体)
    ('\u{55AE}', '\u{5358}'),  // 單 → 単 old form (旧字体)
    ('\u{570B}', '\u{56FD}'),  // 國 → 国 name variant
    ('\u{570D}', '\u{56F2}'),  // 圍 → 囲 old form (旧字体)
    ('\u{5713}', '\u{5186}'),  // 圓 → 円 old form (旧字体)
    ('\u{5718}', '\u{56E3}'),  // 團 → 団 old form (旧字体)
    ('\u{5721}', '\u{571F}'),  // 圡 → 土 name variant
    ('\u{57DC}', '\u{91CE}'),  // 埜 → 野 name variant
    ('\u{589E}', '\u{5897}'),  // 增 → 増 name variant
    ('\u{58AE}', '\u{5815}'),  // 墮 → 堕 old form (旧字体)
    ('\u{58D8}', '\u{5841}'),  // 壘 → 塁 old form (旧字体)
    ('\u{58EF}', '\u{58EE}'),  // 壯 → 壮 old form (旧字体)
    ('\u{58F9}', '\u{58F1}'),  // 壹 → 壱 old form (旧字体)
    ('\u{58FD}', '\u{5BFF}'),  // 壽 → 寿 name variant
    ('\u{5B43}', '\u{5B22}'),  // 孃 → 嬢 old form (旧字体)
    ('\u{5B78}', '\u{5B66}'),  // 學 → 学 old form (旧字体)
    ('\u{5BE2}', '\u{5BDD}'),  // 寢 → 寝 old form (旧字体)
    ('\u{5BE6}', '\u{5B9F}'),  // 實 → 実 name variant
    ('\u{5BEC}', '\u{5BDB}'),  // 寬 → 寛 name variant
    ('\u{5BF6}', '\u{5B9D}'),  // 寶 → 宝 old form (旧字体)
    ('\u{5C07}', '\u{5C06}'),  // 將 → 将 old form (旧字体)
    ('\u{5C08}', '\u{5C02}'),  // 專 → 専 old form (旧字体)
    ('\u{5C0D}', '\u{5BFE}'),  // 對 → 対 old form (旧字体)
    ('\u{5C6C}', '\u{5C5E}'),  // 屬 → 属 old form (旧字体)
    ('\u{5CEF}', '\u{5CF0}'),  // 峯 → 峰 name variant
    ('\u{5CFD}', '\u{5CE1}'),  // 峽 → 峡 old form (旧字体)
    ('\u{5D5C}', '\u{5D0E}'),  // 嵜 → 崎 name variant
    ('\u{5D8B}', '\u{5CF6}'),  // 嶋 → 島 name variant
    ('\u{5D8C}', '\u{5CF6}'),  // 嶌 → 島 name variant
    ('\u{5DBD}', '\u{5CB3}'),  // 嶽 → 岳 name variant
    ('\u{5DD6}', '\u{5DCC}'),  // 巖 → 巌 name variant
    ('\u{5DE2}', '\u{5DE3}'),  // 巢 → 巣 old form (旧字体)
    ('\u{5E36}', '\u{5E2F}'),  // 帶 → 帯 old form (旧字体)
    ('\u{5EE2}', '\u{5EC3}'),  // 廢 → 廃 old form (旧字体)
    ('\u{5EE3}', '\u{5E83}'),  // 廣 → 広 name variant
    ('\u{5EF3}', '\u{5E81}'),  // 廳 → 庁 old form (旧字体)
    ('\u{5EF8}', '\u{8FEA}'),  // 廸 → 迪 name variant
    ('\u{5F3A}', '\u{5F37}'),  // 强 → 強 old form (旧字体)
    ('\u{5F48}', '\u{5F3E}'),  // 彈 → 弾 old form (旧字体)
    ('\u{5F4C}', '\u{5F25}'),  // 彌 → 弥 name variant
    ('\u{5F65}', '\u{5F66}'),  // 彥 → 彦 name variant
    ('\u{5F9E}', '\u{5F93}'),  // 從 → 従 old form (旧字体)
    ('\u{5FB7}', '\u{5FB3}'),  // 德 → 徳 name variant
    ('\u{6046}', '\u{6052}'),  // 恆 → 恒 old form (旧字体)
    ('\u{60E0}', '\u{6075}'),  // 惠 → 恵 name variant
    ('\u{60E1}', '\u{60AA}'),  // 惡 → 悪 old form (旧字体)
    ('\u{60F1}', '\u{60A9}'),  // 惱 → 悩 old form (旧字体)
    ('\u{613C}', '\u{614E}'),  // 愼 → 慎 old form (旧字体)
    ('\u{61C9}', '\u{5FDC}'),  // 應 → 応 old form (旧字体)
    ('\u{6200}', '\u{604B}'),  // 戀 → 恋 old form (旧字体)
    ('\u{6236}', '\u{6238}'),  // 戶 → 戸 name variant
    ('\u{62C2}', '\u{6255}'),  // 拂 → 払 old form (旧字体)
    ('\u{62D4}', '\u{629C}'),  // 拔 → 抜 old form (旧字体)
    ('\u{62DC}', '\u{62DD}'),  // 拜 → 拝 old form (旧字体)
    ('\u{63D2}', '\u{633F}'),  // 插 → 挿 old form (旧字体)
    ('\u{6416}', '\u{63FA}'),  // 搖 → 揺 old form (旧字体)
    ('\u{641C}', '\u{635C}'),  // 搜 → 捜 old form (旧字体)
    ('\u{64C7}', '\u{629E}'),  // 擇 → 択 old form (旧字体)
    ('\u{64D4}', '\u{62C5}'),  // 擔 → 担 old form (旧字体)
    ('\u{64E7}', '\u{6319}'),  // 擧 → 挙 old form (旧字体)
    ('\u{651D}', '\u{6442}'),  // 攝 → 摂 old form (旧字体)
    ('\u{6536}', '\u{53CE}'),  // 收 → 収 old form (旧字体)
    ('\u{654D}', '\u{53D9}'),  // 敍 → 叙 old form (旧字体)
    ('\u{654E}', '\u{6559}'),  // 敎 → 教 old form (旧字体)
    ('\u{6578}', '\u{6570}'),  // 數 → 数 old form (旧字体)
    ('\u{6589}', '\u{658E}'),  // 斉 → 斎 name variant
    ('\u{65B7}', '\u{65AD}'),  // 斷 → 断 old form (旧字体)
    ('\u{6649}', '\u{664B}'),  // 晉 → 晋 name variant
    ('\u{665D}', '\u{663C}'),  // 晝 → 昼 old form (旧字体)
    ('\u{66C9}', '\u{6681}'),  // 曉 → 暁 name variant
    ('\u{66FB}', '\u{6607}'),  // 曻 → 昇 name variant
    ('\u{66FE}', '\u{66FD}'),  // 曾 → 曽 name variant
    ('\u{6703}', '\u{4F1A}'),  // 會 → 会 old form (旧字体)
    ('\u{6801}', '\u{67F3}'),  // 栁 → 柳 name variant
    ('\u{6852}', '\u{6851}'),  // 桒 → 桑 name variant
    ('\u{689D}', '\u{6761}'),  // 條 → 条 name variant
    ('\u{69AE}', '\u{6804}'),  // 榮 → 栄 name variant
    ('\u{69C7}', '\u{69D9}'),  // 槇 → 槙 name variant
    ('\u{69EA}', '\u{6982}'),  // 槪 → 概 old form (旧字体)
    ('\u{6A02}', '\u{697D}'),  // 樂 → 楽 old form (旧字体)
    ('\u{6A13}', '\u{697C}'),  // 樓 → 楼 old form (旧字体)
    ('\u{6A1E}', '\u{67A2}'),  // 樞 → 枢 old form (旧字体)
    ('\u{6A23}', '\u{69D8}'),  // 樣 → 様 old form (旧字体)
    ('\u{6A6B}', '\u{6A2A}'),  // 橫 → 横 name variant
    ('\u{6A9C}', '\u{6867}'),  // 檜 → 桧 name variant
    ('\u{6AA2}', '\u{691C}'),  // 檢 → 検 old form (旧字体)
    ('\u{6AFB}', '\u{685C}'),  // 櫻 → 桜 name variant
    ('\u{6B0A}', '\u{6A29}'),  // 權 → 権 old form (旧字体)
    ('\u{6B61}', '\u{6B53}'),  // 歡 → 歓 old form (旧字体)
    ('\u{6B65}', '\u{6B69}'),  // 步 → 歩 old form (旧字体)
    ('\u{6B72}', '\u{6B73}'),  // 歲 → 歳 old form (旧字体)
    ('\u{6C23}', '\u{6C17}'),  // 氣 → 気 old form (旧字体)
    ('\u{6C92}', '\u{6CA1}'),  // 沒 → 没 old form (旧字体)
    ('\u{6DE8}', '\u{6D44}'),  // 淨 → 浄 old form (旧字体)
    ('\u{6DF8}', '\u{6E05}'),  // 淸 → 清 name variant
    ('\u{6DFA}', '\u{6D45}'),  // 淺 → 浅 name variant
    ('\u{6E0A}', '\u{6DF5}'),  // 渊 → 淵 name variant
    ('\u{6E15}', '\u{6DF5}'),  // 渕 → 淵 name variant
    ('\u{6EAA}', '\u{6E13}'),  // 溪 → 渓 name variant
    ('\u{6EEF}', '\u{6EDE}'),  // 滯 → 滞 old form (旧字体)
    ('\u{6EFF}', '\u{6E80}'),  // 滿 → 満 old form (旧字体)
    ('\u{6F81}', '\u{6E0B}'),  // 澁 → 渋 name variant
    ('\u{6FA4}', '\u{6CA2}'),  // 澤 → 沢 name variant
    ('\u{6FD5}', '\u{6E7F}'),  // 濕 → 湿 old form (旧字体)
    ('\u{6FDF}', '\u{6E08}'),  // 濟 → 済 old form (旧字体)
    ('\u{6FF1}', '\u{6D5C}'),  // 濱 → 浜 name variant
    ('\u{6FF5}', '\u{6D5C}'),  // 濵 → 浜 name variant
    ('\u{7027}', '\u{6EDD}'),  // 瀧 → 滝 name variant
    ('\u{7028}', '\u{702C}'),  // 瀨 → 瀬 name variant
    ('\u{7063}', '\u{6E7E}'),  // 灣 → 湾 old form (旧字体)
    ('\u{71C8}', '\u{706F}'),  // 燈 → 灯 old form (旧字体)
    ('\u{71D2}', '\u{713C}'),  // 燒 → 焼 old form (旧字体)
    ('\u{71DF}', '\u{55B6}'),  // 營 → 営 old form (旧字体)
    ('\u{7210}', '\u{7089}'),  // 爐 → 炉 old form (旧字体)
    ('\u{7232}', '\u{70BA}'),  // 爲 → 為 old form (旧字体)
    ('\u{72C0}', '\u{72B6}'),  // 狀 → 状 old form (旧字体)
    ('\u{72F9}', '\u{72ED}'),  // 狹 → 狭 old form (旧字体)
    ('\u{7368}', '\u{72EC}'),  // 獨 → 独 old form (旧字体)
    ('\u{7375}', '\u{731F}'),  // 獵 → 猟 old form (旧字体)
    ('\u{74E3}', '\u{5F01}'),  // 瓣 → 弁 old form (旧字体)
    ('\u{7501}', '\u{74F6}'),  // 甁 → 瓶 old form (旧字体)
    ('\u{756B}', '\u{753B}'),  // 畫 → 画 old form (旧字体)
    ('\u{7576}', '\u{5F53}'),  // 當 → 当 old form (旧字体)
    ('\u{758A}', '\u{7573}'),  // 疊 → 畳 old form (旧字体)
    ('\u{7661}', '\u{75F4}'),  // 癡 → 痴 old form (旧字体)
    ('\u{767C}', '\u{767A}'),  // 發 → 発 old form (旧字体)
    ('\u{76DC}', '\u{76D7}'),  // 盜 → 盗 old form (旧字体)
    ('\u{76E1}', '\u{5C3D}'),  // 盡 → 尽 old form (旧字体)
    ('\u{771E}', '\u{771F}'),  // 眞 → 真 name variant
    ('\u{784F}', '\u{7814}'),  // 硏 → 研 old form (旧字体)
    ('\u{788E}', '\u{7815}'),  // 碎 → 砕 old form (旧字体)
    ('\u{7895}', '\u{5D0E}'),  // 碕 → 崎 name variant
    ('\u{7955}', '\u{79D8}'),  // 祕 → 秘 old form (旧字体)
    ('\u{797F}', '\u{7984}'),  // 祿 → 禄 name variant
    ('\u{79AA}', '\u{7985}'),  // 禪 → 禅 old form (旧字体)
    ('\u{79AE}', '\u{793C}'),  // 禮 → 礼 name variant
    ('\u{7A31}', '\u{79F0}'),  // 稱 → 称 old form (旧字体)
    ('\u{7A3B}', '\u{7A32}'),  // 稻 → 稲 old form (旧字体)
    ('\u{7A57}', '\u{7A42}'),  // 穗 → 穂 name variant
    ('\u{7A70}', '\u{7A63}'),  // 穰 → 穣 old form (旧字体)
    ('\u{7ADD}', '\u{4E26}'),  // 竝 → 並 old form (旧字体)
    ('\u{7C60}', '\u{7BED}'),  // 籠 → 篭 name variant
    ('\u{7CB9}', '\u{7C8B}'),  // 粹 → 粋 old form (旧字体)
    ('\u{7D72}', '\u{7CF8}'),  // 絲 → 糸 old form (旧字体)
    ('\u{7D93}', '\u{7D4C}'),  // 經 → 経 old form (旧字体)
    ('\u{7DA0}', '\u{7DD1}'),  // 綠 → 緑 name variant
    ('\u{7E23}', '\u{770C}'),  // 縣 → 県 old form (旧字体)
    ('\u{7E3D}', '\u{7DCF}'),  // 總 → 総 old form (旧字体)
    ('\u{7E7C}', '\u{7D99}'),  // 繼 → 継 old form (旧字体)
    ('\u{7E8C}', '\u{7D9A}'),  // 續 → 続 old form (旧字体)
    ('\u{7E96}', '\u{7E4A}'),  // 纖 → 繊 old form (旧字体)
    ('\u{7F3A}', '\u{6B20}'),  // 缺 → 欠 old form (旧字体)
    ('\u{8070}', '\u{8061}'),  // 聰 → 聡 name variant
    ('\u{8072}', '\u{58F0}'),  // 聲 → 声 old form (旧字体)
    ('\u{807D}', '\u{8074}'),  // 聽 → 聴 old form (旧字体)
    ('\u{8085}', '\u{7C9B}'),  // 肅 → 粛 old form (旧字体)
    ('\u{8166}', '\u{8133}'),  // 腦 → 脳 old form (旧字体)
    ('\u{81BD}', '\u{80C6}'),  // 膽 → 胆 old form (旧字体)
    ('\u{81DF}', '\u{81D3}'),  // 臟 → 臓 old form (旧字体)
    ('\u{81FA}', '\u{53F0}'),  // 臺 → 台 old form (旧字体)
    ('\u{8207}', '\u{4E0E}'),  // 與 → 与 name variant
    ('\u{820A}', '\u{65E7}'),  // 舊 → 旧 old form (旧字体)
    ('\u{820D}', '\u{820E}'),  // 舍 → 舎 old form (旧字体)
    ('\u{8218}', '\u{9928}'),  // 舘 → 館 name variant
    ('\u{838A}', '\u{8358}'),  // 莊 → 荘 old form (旧字体)
    ('\u{842C}', '\u{4E07}'),  // 萬 → 万 name variant
    ('\u{8597}', '\u{5712}'),  // 薗 → 園 name variant
    ('\u{85CF}', '\u{8535}'),  // 藏 → 蔵 name variant
    ('\u{85DD}', '\u{82B8}'),  // 藝 → 芸 old form (旧字体)
    ('\u{85E5}', '\u{85AC}'),  // 藥 → 薬 old form (旧字体)
    ('\u{85EA}', '\u{85AE}'),  // 藪 → 薮 name variant
    ('\u{8606}', '\u{82A6}'),  // 蘆 → 芦 name variant
    ('\u{8655}', '\u{51E6}'),  // 處 → 処 old form (旧字体)
    ('\u{87A2}', '\u{86CD}'),  // 螢 → 蛍 old form (旧字体)
    ('\u{87F2}', '\u{866B}'),  // 蟲 → 虫 old form (旧字体)
    ('\u{8836}', '\u{8695}'),  // 蠶 → 蚕 old form (旧字体)
    ('\u{883B}', '\u{86EE}'),  // 蠻 → 蛮 old form (旧字体)
    ('\u{885E}', '\u{885B}'),  // 衞 → 衛 name variant
    ('\u{89BA}', '\u{899A}'),  // 覺 → 覚 old form (旧字体)
    ('\u{89BD}', '\u{89A7}'),  // 覽 → 覧 old form (旧字体)
    ('\u{89C0}', '\u{89B3}'),  // 觀 → 観 old form (旧字体)
    ('\u{8B20}', '\u{8B21}'),  // 謠 → 謡 old form (旧字体)
    ('\u{8B49}', '\u{8A3C}'),  // 證 → 証 old form (旧字体)
    ('\u{8B6F}', '\u{8A33}'),  // 譯 → 訳 old form (旧字体)
    ('\u{8B7D}', '\u{8A89}'),  // 譽 → 誉 old form (旧字体)
    ('\u{8B80}', '\u{8AAD}'),  // 讀 → 読 old form (旧字体)
    ('\u{8B8A}', '\u{5909}'),  // 變 → 変 old form (旧字体)
    ('\u{8B93}', '\u{8B72}'),  // 讓 → 譲 old form (旧字体)
    ('\u{8C50}', '\u{8C4A}'),  // 豐 → 豊 name variant
    ('\u{8C6B}', '\u{4E88}'),  // 豫 → 予 old form (旧字体)
    ('\u{8CB3}', '\u{5F10}'),  // 貳 → 弐 old form (旧字体)
    ('\u{8CE3}', '\u{58F2}'),  // 賣 → 売 old form (旧字体)
    ('\u{8CF4}', '\u{983C}'),  // 賴 → 頼 name variant
    ('\u{8F15}', '\u{8EFD}'),  // 輕 → 軽 old form (旧字体)
    ('\u{8F49}', '\u{8EE2}'),  // 轉 → 転 old form (旧字体)
    ('\u{8FA8}', '\u{5F01}'),  // 辨 → 弁 old form (旧字体)
    ('\u{8FAD}', '\u{8F9E}'),  // 辭 → 辞 old form (旧字体)
    ('\u{8FAF}', '\u{5F01}'),  // 辯 → 弁 old form (旧字体)
    ('\u{9059}', '\u{9065}'),  // 遙 → 遥 name variant
    ('\u{9072}', '\u{9045}'),  // 遲 → 遅 old form (旧字体)
    ('\u{9089}', '\u{8FBA}'),  // 邉 → 辺 name variant
    ('\u{908A}', '\u{8FBA}'),  // 邊 → 辺 name variant
    ('\u{90A8}', '\u{6751}'),  // 邨 → 村 name variant
    ('\u{9115}', '\u{90F7}'),  // 鄕 → 郷 name variant
    ('\u{9189}', '\u{9154}'),  // 醉 → 酔 old form (旧字体)
    ('\u{91AB}', '\u{533B}'),  // 醫 → 医 old form (旧字体)
    ('\u{91C0}', '\u{91B8}'),  // 釀 → 醸 old form (旧字体)
    ('\u{9304}', '\u{9332}'),  // 錄 → 録 old form (旧字体)
    ('\u{9322}', '\u{92AD}'),  // 錢 → 銭 old form (旧字体)
    ('\u{93AD}', '\u{93AE}'),  // 鎭 → 鎮 old form (旧字体)
    ('\u{9435}', '\u{9244}'),  // 鐵 → 鉄 old form (旧字体)
    ('\u{9444}', '\u{92F3}'),  // 鑄 → 鋳 old form (旧字体)
    ('\u{95DC}', '\u{95A2}'),  // 關 → 関 old form (旧字体)
    ('\u{96A8}', '\u{968F}'),  // 隨 → 随 old form (旧字体)
    ('\u{96AA}', '\u{967A}'),  // 險 → 険 old form (旧字体)
    ('\u{96B8}', '\u{96B7}'),  // 隸 → 隷 old form (旧字体)
    ('\u{96D9}', '\u{53CC}'),  // 雙 → 双 old form (旧字体)
    ('\u{96DC}', '\u{96D1}'),  // 雜 → 雑 old form (旧字体)
    ('\u{96DE}', '\u{9D8F}'),  // 雞 → 鶏 old form (旧字体)
    ('\u{9738}', '\u{8987}'),  // 霸 → 覇 old form (旧字体)
    ('\u{9748}', '\u{970A}'),  // 靈 → 霊 old form (旧字体)
    ('\u{9751}', '\u{9752}'),  // 靑 → 青 name variant
    ('\u{975C}', '\u{9759}'),  // 靜 → 静 old form (旧字体)
    ('\u{984F}', '\u{9854}'),  // 顏 → 顔 old form (旧字体)
    ('\u{986F}', '\u{9855}'),  // 顯 → 顕 old form (旧字体)
    ('\u{9918}', '\u{4F59}'),  // 餘 → 余 old form (旧字体)
    ('\u{9A45}', '\u{99C6}'),  // 驅 → 駆 old form (旧字体)
    ('\u{9A52}', '\u{9A28}'),  // 驒 → 騨 name variant
    ('\u{9A57}', '\u{9A13}'),  // 驗 → 験 old form (旧字体)
    ('\u{9A5B}', '\u{99C5}'),  // 驛 → 駅 old form (旧字体)
    ('\u{9AD3}', '\u{9AC4}'),  // 髓 → 髄 old form (旧字体)
    ('\u{9AD4}', '\u{4F53}'),  // 體 → 体 old form (旧字体)
    ('\u{9AD9}', '\u{9AD8}'),  // 髙 → 高 name variant
    ('\u{9AEE}', '\u{9AEA}'),  // 髮 → 髪 old form (旧字体)
    ('\u{9B2D}', '\u{95D8}'),  // 鬭 → 闘 old form (旧字体)
    ('\u{9DC4}', '\u{9D8F}'),  // 鷄 → 鶏 old form (旧字体)
    ('\u{9DD7}', '\u{9D0E}'),  // 鷗 → 鴎 old form (旧字体)
    ('\u{9EA5}', '\u{9EA6}'),  // 麥 → 麦 old form (旧字体)
    ('\u{9EC3}', '\u{9EC4}'),  // 黃 → 黄 name variant
    ('\u{9ED1}', '\u{9ED2}'),  // 黑 → 黒 name variant
    ('\u{9ED8}', '\u{9ED9}'),  // 默 → 黙 old form (旧字体)
    ('\u{9EDE}', '\u{70B9}'),  // 點 → 点 old form (旧字体)
    ('\u{9EE8}', '\u{515A}'),  // 黨 → 党 old form (旧字体)
    ('\u{9F4A}', '\u{658E}'),  // 齊 → 斎 name variant
    ('\u{9F4B}', '\u{658E}'),  // 齋 → 斎 name variant
    ('\u{9F52}', '\u{6B6F}'),  // 齒 → 歯 old form (旧字体)
    ('\u{9F61}', '\u{9F62}'),  // 齡 → 齢 old form (旧字体)
    ('\u{9F8D}', '\u{7ADC}'),  // 龍 → 竜 name variant
    ('\u{9F9C}', '\u{4E80}'),  // 龜 → 亀 old form (旧字体)
    ('\u{F9DC}', '\u{9686}'),  // 隆 → 隆 compatibility ideograph
    ('\u{FA10}', '\u{585A}'),  // 塚 → 塚 compatibility ideograph
    ('\u{FA11}', '\u{5D0E}'),  // 﨑 → 崎 name variant
    ('\u{FA12}', '\u{6674}'),  // 晴 → 晴 compatibility ideograph
    ('\u{FA19}', '\u{795E}'),  // 神 → 神 compatibility ideograph
    ('\u{FA1B}', '\u{798F}'),  // 福 → 福 compatibility ideograph
    ('\u{FA26}', '\u{90FD}'),  // 都 → 都 compatibility ideograph
    ('\u{FA2C}', '\u{9928}'),  // 館 → 館 compatibility ideograph
    ('\u{20BB7}', '\u{5409}'), // 𠮷 → 吉 name variant
];

/// The canonical form of one kanji: a CJK compatibility ideograph becomes its unified ideograph,
/// then a variant or old form becomes its everyday form. Every other character comes back as is.
pub fn canonical_kanji(c: char) -> char {
    // Everything below the CJK Extension A block is kana, Latin, punctuation: never a variant.
    if c < '\u{3400}' {
        return c;
    }
    let unified = compatibility_ideograph_target(c).unwrap_or(c);
    match VARIANTS.binary_search_by_key(&unified, |&(variant, _)| variant) {
        Ok(at) => VARIANTS
            .get(at)
            .map_or(unified, |&(_, canonical)| canonical),
        Err(_) => unified,
    }
}

/// The unified ideograph a CJK compatibility ideograph stands for (its canonical singleton
/// decomposition), e.g. U+FA10 → 塚 U+585A. Compatibility ideographs without a decomposition, such as
/// 﨑 U+FA11, are not mapped here; the variant table holds the ones used in names.
fn compatibility_ideograph_target(c: char) -> Option<char> {
    if !matches!(c, '\u{F900}'..='\u{FAFF}' | '\u{2F800}'..='\u{2FA1F}') {
        return None;
    }
    let mut parts = Vec::with_capacity(1);
    decompose_canonical(c, |part| parts.push(part));
    match parts.as_slice() {
        [single] if *single != c => Some(*single),
        _ => None,
    }
}

/// Every `(variant, canonical)` pair of the table, for tests in other crates that want to check
/// that their index and their queries agree on all of them.
pub fn variant_pairs() -> impl Iterator<Item = (char, char)> {
    VARIANTS.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn table_is_sorted_by_variant_without_duplicates() {
        for pair in VARIANTS.windows(2) {
            if let [(a, _), (b, _)] = pair {
                assert!(a < b, "{a} must come before {b}, once");
            }
        }
    }

    #[test]
    fn no_canonical_form_is_itself_a_variant() {
        for &(variant, canonical) in VARIANTS {
            assert_ne!(variant, canonical);
            assert_eq!(
                canonical_kanji(canonical),
                canonical,
                "{variant} → {canonical} chains on"
            );
        }
    }

    #[test]
    fn canonical_forms_survive_nfkc_and_variants_do_not_fold_elsewhere() {
        for &(variant, canonical) in VARIANTS {
            let canonical_nfkc: String = canonical.to_string().nfkc().collect();
            assert_eq!(canonical_nfkc, canonical.to_string());
            // A variant that NFKC already maps must map to the same canonical form.
            let variant_nfkc: String = variant.to_string().nfkc().collect();
            assert!(
                variant_nfkc == variant.to_string() || variant_nfkc == canonical.to_string(),
                "NFKC sends {variant} to {variant_nfkc}, the table to {canonical}"
            );
        }
    }

    #[test]
    fn table_holds_about_a_hundred_and_fifty_pairs_or_more() {
        assert!(VARIANTS.len() >= 150, "{} pairs", VARIANTS.len());
    }

    #[test]
    fn every_variant_maps_to_its_canonical_form() {
        for &(variant, canonical) in VARIANTS {
            assert_eq!(canonical_kanji(variant), canonical, "{variant}");
        }
    }

    #[test]
    fn common_name_variants_map_to_one_form() {
        let groups: &[&[char]] = &[
            &['髙', '高'],
            &['\u{FA11}', '崎', '嵜'],
            &['邊', '邉', '辺'],
            &['齋', '齊', '斎'],
            &['濵', '濱', '浜'],
            &['澤', '沢'],
            &['櫻', '桜'],
            &['德', '徳'],
            &['國', '国'],
            &['槇', '槙'],
            &['嶋', '嶌', '島'],
            &['冨', '富'],
            &['廣', '広'],
            &['眞', '真'],
            &['籠', '篭'],
            &['龍', '竜'],
            &['瀨', '瀬'],
            &['惠', '恵'],
            &['壽', '寿'],
            &['榮', '栄'],
            &['藏', '蔵'],
            &['黑', '黒'],
            &['澁', '渋'],
            &['淺', '浅'],
            &['條', '条'],
            &['\u{FA10}', '\u{585A}'],
            &['舘', '館'],
            &['檜', '桧'],
            &['桒', '桑'],
            &['禮', '礼'],
            &['曻', '昇'],
            &['\u{F9DC}', '\u{9686}'],
        ];
        for group in groups {
            let forms: Vec<char> = group.iter().map(|&c| canonical_kanji(c)).collect();
            assert!(
                forms.windows(2).all(|w| w.first() == w.get(1)),
                "{group:?} → {forms:?}"
            );
        }
    }

    #[test]
    fn compatibility_ideographs_map_to_their_unified_form() {
        assert_eq!(canonical_kanji('\u{FA19}'), '\u{795E}'); // 神
        assert_eq!(canonical_kanji('\u{FA2C}'), '\u{9928}'); // 館
    }

    #[test]
    fn kana_latin_and_ordinary_kanji_are_left_alone() {
        for c in ['あ', 'ア', 'a', '1', '山', '田', '花', '子'] {
            assert_eq!(canonical_kanji(c), c);
        }
    }
}
