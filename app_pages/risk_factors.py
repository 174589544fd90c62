import streamlit as st
from ui.state import sidebar
view = sidebar()
st.title("risk_factors")
