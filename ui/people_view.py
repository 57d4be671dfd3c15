def render(user):
    import streamlit as st
    st.title("People")
