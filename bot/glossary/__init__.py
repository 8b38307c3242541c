"""The community's glossary: plain-language meanings of the words people hear at meetings (issue 30)."""
